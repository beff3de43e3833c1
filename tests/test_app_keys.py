"""Every session key the app uses is declared in evengan.app.keys, with who may change it."""

import re
from pathlib import Path

from evengan.app.keys import KEYS, WIDGET_PREFIXES

APP = Path(__file__).resolve().parent.parent / "evengan" / "app"
_READ = [r"\bss\.([a-z_][a-z0-9_]*)\b(?!\()", r"session_state\.([a-z_][a-z0-9_]*)\b(?!\()",
         r"\bss\.(?:get|pop|setdefault)\(\s*\"([a-z_][a-z0-9_]*)\"",
         r"\bss\[\"([a-z_][a-z0-9_]*)\"\]", r"session_state\.get\(\"([a-z_][a-z0-9_]*)\""]
_WRITE = [r"\bss\.([a-z_][a-z0-9_]*)\s*=[^=]", r"\bss\[\"([a-z_][a-z0-9_]*)\"\]\s*=[^=]",
          r"session_state\.([a-z_][a-z0-9_]*)\s*=[^=]", r"\bss\.pop\(\s*\"([a-z_][a-z0-9_]*)\"",
          r"\bss\.([a-z_][a-z0-9_]*)\s*,\s*ss\.",  # the first of ss.a, ss.b = ...
          r",\s*ss\.([a-z_][a-z0-9_]*)\s*=[^=]"]  # the last of them


def _found(patterns: list[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for path in APP.glob("*.py"):
        text = path.read_text()
        for pattern in patterns:
            for name in re.findall(pattern, text):
                out.setdefault(name, set()).add(path.stem)
    return {k: v for k, v in out.items() if not k.startswith(WIDGET_PREFIXES)
            and k not in ("get", "pop", "setdefault", "to_dict", "from_dict")}


def test_every_key_read_or_written_is_declared():
    used = set(_found(_READ)) | set(_found(_WRITE))
    assert used - set(KEYS) == set(), "declare these in evengan/app/keys.py"


def test_only_the_declared_modules_change_a_key():
    for name, modules in _found(_WRITE).items():
        assert modules <= set(KEYS[name].writers), (name, modules - set(KEYS[name].writers))


def test_no_declared_key_is_unused():
    used = set(_found(_READ)) | set(_found(_WRITE))
    assert set(KEYS) - used == set()

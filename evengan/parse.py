"""Strings into a config, in one place: a share link's query and a command line's flags both
come here (the CLI strict, the page collecting every problem to name on screen).

Worked example: {"preset": "healthy", "lr": "0.002", "seed": "3"} is the healthy preset with
both learning rates at 0.002 and seed 3; {"n_bits": "99"} is refused, naming n_bits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .config import FIELD_NAMES, GANConfig, parse_field
from .presets import PRESETS


def config_from_strings(values: Mapping[str, Any], strict: bool = True
                        ) -> tuple[GANConfig, list[tuple[str, str]]]:
    """The config that `values` ask for, and the problems met: (field, one sentence).

    Keys are GANConfig field names, "preset" (start from that preset) and "lr" (both learning
    rates); any other key is not config and is ignored; a repeated key (a list) takes its
    last value. strict: the first problem raises ValueError; otherwise a bad value is left
    out and the rest still apply.
    """
    problems: list[tuple[str, str]] = []

    def fail(field: str, why: str) -> None:
        if strict:
            raise ValueError(why)
        problems.append((field, why))

    def raw(name: str) -> Any:
        value = values.get(name)
        return value[-1] if isinstance(value, list) and value else value

    base = GANConfig()
    preset = raw("preset")
    if preset is not None:
        if preset in PRESETS:
            base = PRESETS[preset].config
        else:
            fail("preset", f"unknown preset {str(preset)[:40]!r}; choose from "
                           f"{', '.join(PRESETS)}")
    changes: dict[str, Any] = {}
    names = list(FIELD_NAMES)
    if raw("lr") is not None:
        if raw("lr_g") is not None or raw("lr_d") is not None:
            fail("lr", "lr sets both learning rates: give lr, or lr_g and lr_d")
        else:
            values = {**values, "lr_g": raw("lr"), "lr_d": raw("lr")}
    for name in names:
        if raw(name) is not None:
            try:
                changes[name] = parse_field(name, raw(name))
            except ValueError as exc:
                fail(name, str(exc))
    try:
        return base.replace(**changes), problems
    except ValueError as exc:  # values fine alone but not together (pack vs batch size)
        fail("config", str(exc))
        # A field is checked against those before it (max_int and target against n_bits,
        # pack against batch_size): leave out the latest one that makes the rest fit, so the
        # link keeps all but that one.
        for name in reversed(list(changes)):
            try:
                return base.replace(**{k: v for k, v in changes.items() if k != name}), \
                    problems[:-1] + [(name, str(exc))]
            except ValueError:
                continue
        return base, problems

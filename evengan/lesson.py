"""Lessons: short sequences of steps a teacher runs in class, read from data files.

A lesson is one TOML file in evengan/lessons/, both languages side by side, so a teacher can
write one without touching code. Worked example, a lesson of one step:

    id = "last-bit"
    minutes = 5
    title = { en = "The last bit", pt = "O último bit" }
    summary = { en = "...", pt = "..." }

    [[steps]]
    title = { en = "Step 0", pt = "Passo 0" }
    text = { en = "The tutorial's G, untrained.", pt = "O G do tutorial, sem treino." }
    preset = "tutorial"              # the settings it loads (a preset, default "tutorial")
    config = { seed = 3 }            # ... changed by these fields, as a link writes them
    log = [{ do = "run", mode = "both", n = 100 }]   # ... and these recipe actions
    do = { en = "Run 500 steps.", pt = "Rode 500 passos." }
    look = "ratio"                   # the chart the step points to (LOOKS)
    question = { en = "...", pt = "..." }
    answer = { en = "...", pt = "..." }

`g_weights` sets a linear G by hand: { weight = [[...fan_in rows of fan_out...]], bias =
[...] }, which becomes the recipe's weight edits. `figure` names a lesson figure (FIGURES).
Everything is checked on load, as a link is (evengan.recipe), and an error names the file,
the step and the field.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import recipe as recipes
from .config import FIELD_NAMES, GANConfig
from .models import net_specs
from .parse import config_from_strings
from .presets import PRESETS

LESSON_DIR = Path(__file__).with_name("lessons")
LANGUAGES = ("en", "pt")  # every text of a lesson is given in each
# Charts a step may point to: the Train page's four, and the lab's views.
LOOKS = ("losses", "ratio", "heatmap", "distribution", "reach", "timeline", "noise",
         "landscape", "gweights", "dynamics", "slowmo", "edit")
# Figures a step may show beside the run (evengan.lesson_figures makes them).
FIGURES = ("packing", "unrolling", "convergence", "seeds")
MAX_STEPS_PER_LESSON = 20
# Training steps one lesson step may replay: a class opens a step at once, thirty times.
MAX_TRAINING_PER_STEP = 20_000
_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
_LESSON_KEYS = {"id", "order", "minutes", "title", "summary", "steps"}
_STEP_KEYS = {"title", "text", "preset", "config", "log", "g_weights", "do", "look", "question",
              "answer", "figure"}
Text = dict[str, str]


@dataclass(frozen=True)
class Step:
    """One step: what it says, the run it loads (config at step 0 and recipe actions), what
    to do and where to look, and a question with its answer."""

    title: Text
    text: Text
    config: GANConfig
    log: tuple[dict, ...] = ()
    do: Text | None = None
    look: str | None = None
    question: Text | None = None
    answer: Text | None = None
    figure: str | None = None

    def recipe(self) -> dict:
        """The step's run as a recipe (evengan.recipe), ready for Trainer.from_recipe."""
        return {"v": recipes.VERSION, "config": self.config.to_dict(),
                "log": [dict(a) for a in self.log]}


@dataclass(frozen=True)
class Lesson:
    id: str
    title: Text
    summary: Text
    minutes: int
    steps: tuple[Step, ...] = field(default_factory=tuple)
    order: int = 0


def parse(data: dict[str, Any], where: str = "lesson") -> Lesson:
    """A lesson from the data of its file; ValueError naming the first thing wrong."""
    _keys(data, _LESSON_KEYS, {"id", "title", "summary", "steps"}, where)
    lid = data["id"]
    if not isinstance(lid, str) or not _ID.fullmatch(lid):
        raise ValueError(f"{where}: id must be lower-case letters, digits and dashes")
    minutes, order = data.get("minutes", 10), data.get("order", 0)
    for name, value in (("minutes", minutes), ("order", order)):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 240:
            raise ValueError(f"{where}: {name} must be a whole number in 0..240")
    raw_steps = data["steps"]
    if not isinstance(raw_steps, list) or not 1 <= len(raw_steps) <= MAX_STEPS_PER_LESSON:
        raise ValueError(f"{where}: steps must be a list of 1 to {MAX_STEPS_PER_LESSON} steps")
    steps = tuple(_step(s, f"{where}, step {i + 1}") for i, s in enumerate(raw_steps))
    return Lesson(lid, _text(data["title"], where, "title"),
                  _text(data["summary"], where, "summary"), minutes, steps, order)


def _step(data: Any, where: str) -> Step:
    if not isinstance(data, dict):
        raise ValueError(f"{where}: a step is a table of fields")
    _keys(data, _STEP_KEYS, {"title", "text"}, where)
    preset = data.get("preset", "tutorial")
    if not isinstance(preset, str) or preset not in PRESETS:
        raise ValueError(f"{where}: preset must be one of {', '.join(PRESETS)}")
    changes = data.get("config", {})
    if not isinstance(changes, dict):
        raise ValueError(f"{where}: config must be a table of GANConfig fields")
    unknown = sorted(set(changes) - set(FIELD_NAMES))
    if unknown:
        raise ValueError(f"{where}: config has no field {unknown[0]!r}")
    strings = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in changes.items()}
    try:
        config, _ = config_from_strings({"preset": preset, **strings}, strict=True)
        log = list(_weight_edits(data.get("g_weights"), config)) + list(data.get("log", []))
        config, log = recipes.check({"v": recipes.VERSION, "config": config.to_dict(),
                                     "log": log}, MAX_TRAINING_PER_STEP)
        log = recipes.merged(log)  # as the replayed run will note it
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    look, figure = data.get("look"), data.get("figure")
    if look is not None and look not in LOOKS:
        raise ValueError(f"{where}: look must be one of {', '.join(LOOKS)}")
    if figure is not None and figure not in FIGURES:
        raise ValueError(f"{where}: figure must be one of {', '.join(FIGURES)}")
    opt = {k: _text(data[k], where, k) if k in data else None
           for k in ("do", "question", "answer")}
    if (opt["question"] is None) != (opt["answer"] is None):
        raise ValueError(f"{where}: a question needs its answer, and an answer its question")
    return Step(_text(data["title"], where, "title"), _text(data["text"], where, "text"),
                config, tuple(log), look=look, figure=figure, **opt)


def _weight_edits(spec: Any, config: GANConfig) -> list[dict]:
    """A linear G written as a matrix (fan_in rows of fan_out) and a bias, as weight edits."""
    if spec is None:
        return []
    g = net_specs(config)[0]
    if len(g.layers) != 1:
        raise ValueError("g_weights sets the tutorial's linear G only (g_hidden = 0)")
    _, fan_in, fan_out = g.layers[0]
    if not isinstance(spec, dict) or set(spec) != {"weight", "bias"}:
        raise ValueError("g_weights must have exactly weight and bias")
    weight, bias = spec["weight"], spec["bias"]
    if (not isinstance(weight, list) or len(weight) != fan_in
            or any(not isinstance(r, list) or len(r) != fan_out for r in weight)
            or not isinstance(bias, list) or len(bias) != fan_out):
        raise ValueError(f"g_weights must be {fan_in} rows of {fan_out} numbers and a bias "
                         f"of {fan_out}")
    rows = [*weight, bias]  # the bias is the row after the inputs (Trainer.set_weight)
    return [{"do": "set_weight", "net": "g", "layer": 0, "row": r, "col": c, "value": v}
            for r, row in enumerate(rows) for c, v in enumerate(row)]


def _text(value: Any, where: str, name: str) -> Text:
    if not isinstance(value, dict) or set(value) != set(LANGUAGES) or not all(
            isinstance(v, str) and v.strip() for v in value.values()):
        raise ValueError(f"{where}: {name} must give a non-empty text for each of "
                         f"{', '.join(LANGUAGES)}")
    return {k: v.strip() for k, v in value.items()}


def _keys(data: dict, allowed: set, required: set, where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValueError(f"{where}: unknown field {unknown[0]!r}")
    missing = sorted(required - set(data))
    if missing:
        raise ValueError(f"{where}: missing field {missing[0]!r}")


def load(path: Path) -> Lesson:
    """One lesson file; ValueError naming the file and what is wrong."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path.name}: {exc}") from None
    return parse(data, path.name)


@functools.cache
def _read(directory: Path) -> tuple[dict[str, Lesson], tuple[str, ...]]:
    found, problems = [], []
    for path in sorted(directory.glob("*.toml")):
        try:
            lesson = load(path)
        except ValueError as exc:  # one broken file leaves the others teachable
            problems.append(str(exc))
            continue
        if any(x.id == lesson.id for x in found):
            problems.append(f"{path.name}: another lesson file has the id {lesson.id!r}")
            continue
        found.append(lesson)
    return ({lesson.id: lesson for lesson in sorted(found, key=lambda x: x.order)},
            tuple(problems))


def lessons(directory: Path = LESSON_DIR) -> dict[str, Lesson]:
    """Every lesson of the folder that loads, by id, in teaching order (order, then file
    name); problems() names the files left out."""
    return _read(directory)[0]


def problems(directory: Path = LESSON_DIR) -> tuple[str, ...]:
    """Why each lesson file left out of lessons() was, one sentence each."""
    return _read(directory)[1]


def locate(raw: str) -> tuple[Lesson, int]:
    """A link's lesson=ID or ID:STEP (steps count from 1) -> (lesson, step index from 0);
    ValueError with a sentence for anything else."""
    text = str(raw).strip()
    lid, _, step = text.partition(":")
    found = lessons().get(lid)
    if found is None:
        raise ValueError(f"lesson must be one of {', '.join(lessons())}, got {text[:40]!r}")
    if not step:
        return found, 0
    if not re.fullmatch(r"[1-9][0-9]{0,2}", step) or not int(step) <= len(found.steps):
        raise ValueError(f"the step of lesson {lid} must be 1..{len(found.steps)}, "
                         f"got {step[:10]!r}")
    return found, int(step) - 1

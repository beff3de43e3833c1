"""The command line, run as a user runs it: a real subprocess, exit codes and streams."""

import json
import subprocess
import sys

import pytest

from evengan.cli import main


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "evengan", *args], capture_output=True,
                          text=True, timeout=120)


def test_train_prints_a_summary():
    p = run_cli("train", "--bits", "7", "--steps", "200", "--seed", "0")
    assert p.returncode == 0
    assert "even ratio" in p.stdout and "coverage" in p.stdout and "entropy" in p.stdout
    assert "200/200" in p.stderr  # the progress bar


def test_json_is_one_line_and_reproducible():
    a = run_cli("train", "--steps", "150", "--seed", "3", "--json")
    b = run_cli("train", "--steps", "150", "--seed", "3", "--json")
    assert a.returncode == 0 and a.stdout == b.stdout
    lines = a.stdout.strip().splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert data["step"] == 150 and 0 <= data["coverage"] <= 1
    assert data["config"]["seed"] == 3


@pytest.mark.parametrize(
    "args, words",
    [
        (["train", "--bits", "2"], "n_bits must be an integer in 3..16"),
        (["train", "--bits", "seven"], "n_bits"),
        (["train", "--lr", "-1"], "lr_g"),
        (["train", "--loss", "hinge"], "loss must be one of"),
        (["train", "--batch-size", "0"], "batch_size"),
        (["train", "--no-such-flag"], "unrecognized arguments"),
        (["train", "--steps", "many"], "--steps"),
        (["train", "--steps", "-5"], "--steps"),
        (["fly"], "invalid choice"),
        ([], "required"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, words):
    p = run_cli(*args)
    assert p.returncode == 2
    assert words in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
    assert "Traceback" not in p.stderr


def test_lr_sets_both_and_every_field_has_a_flag(capsys):
    assert main(["train", "--lr", "0.002", "--steps", "5", "--json", "--d-hidden", "4",
                 "--mbstd", "true", "--noise", "uniform"]) == 0
    cfg = json.loads(capsys.readouterr().out)["config"]
    assert cfg["lr_g"] == cfg["lr_d"] == 0.002
    assert cfg["d_hidden"] == 4 and cfg["mbstd"] is True and cfg["noise"] == "uniform"
    from evengan.cli import build_parser

    help_text = build_parser()._subparsers._group_actions[0].choices["train"].format_help()
    from evengan.config import FIELD_NAMES

    for name in FIELD_NAMES:
        assert "--" + name.replace("_", "-") in help_text


def test_preset_and_save_then_load(tmp_path):
    path = tmp_path / "run.npz"
    p = run_cli("train", "--preset", "healthy", "--steps", "60", "--json", "--save", str(path))
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert data["config"]["pack"] == 4 and data["config"]["noise_dim"] == 10
    from evengan import Trainer

    t = Trainer.load(str(path))
    assert t.step_count == 60 and t.config.d_hidden == 64
    bad = run_cli("train", "--preset", "nope")
    assert bad.returncode == 2 and "unknown preset" in bad.stderr


def test_save_to_an_unwritable_place_is_one_line():
    p = run_cli("train", "--steps", "5", "--save", "/nonexistent/dir/run.npz")
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1

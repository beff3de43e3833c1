"""The command line, run as a user runs it: a real subprocess, exit codes and streams."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

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
        (["train", "--loss", "nope"], "loss must be one of"),
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


# ---- hostile and careless command lines: status 2, one line, before any work -------------

GRID_64 = ",".join(f"{i / 1000:g}" for i in range(1, 65))  # 64 distinct learning rates
GRID_65 = ",".join(f"{i / 1000:g}" for i in range(1, 66))

REFUSED = [
    # abbreviations are not flags
    (["train", "--step", "5"], "unrecognized arguments: --step"),
    (["train", "--lr-", "0.1"], "unrecognized arguments: --lr-"),
    (["sweep", "--see", "3"], "unrecognized arguments: --see"),
    # two flags that set one field, or one flag twice
    (["train", "--lr", "0.1", "--lr-g", "0.2"], "--lr-g clashes with --lr: both set lr_g"),
    (["train", "--lr-d", "0.2", "--lr", "0.1"], "--lr clashes with --lr-d: both set lr_d"),
    (["train", "--bits", "5", "--n-bits", "6"], "--n-bits clashes with --bits"),
    (["train", "--bits", "5", "--bits", "5"], "--bits is given twice"),
    (["train", "--steps", "5", "--steps", "6"], "--steps is given twice"),
    (["train", "--save", "a.npz", "--save", "b.npz"], "--save is given twice"),
    (["sweep", "--seed", "3", "--seeds", "4"], "--seeds clashes with --seed"),
    (["sweep", "--grid", "lr_g=0.1,0.2", "--lr-g", "0.3"], "--lr-g clashes with --grid lr_g"),
    (["sweep", "--lr", "0.3", "--grid", "lr_d=0.1,0.2"], "--grid lr_d clashes with --lr"),
    (["sweep", "--grid", "lr_g=0.1", "--grid", "lr-g=0.2"], "--grid lr_g is given twice"),
    # grids: malformed, repeated, too big
    (["sweep", "--grid", "lr_g=,,,"], "--grid lr_g has an empty value"),
    (["sweep", "--grid", "lr_g=0.1,,0.2"], "--grid lr_g has an empty value"),
    (["sweep", "--grid", "lr_g="], "--grid takes FIELD=V1,V2,..."),
    (["sweep", "--grid", "=1,2"], "--grid field must be a config field"),
    (["sweep", "--grid", "lr_g=0.1,1e-1"], "--grid lr_g lists 1e-1 twice"),
    (["sweep", "--grid", "lr_g=0.1,abc"], "lr_g must be a number"),
    (["sweep", "--grid", f"lr_g={GRID_65}"], "--grid lr_g has 65 values; the most is 64"),
    (["sweep", "--grid", f"lr_g={GRID_64}", "--grid", f"lr_d={GRID_64}", "--grid",
      "beta1=0.5,0.9"], "the grid has 8_192 cells; the most is 4_096"),
    (["sweep", "--grid", f"lr_g={GRID_64}", "--grid", f"lr_d={GRID_64}", "--seeds", "17"],
     "the sweep has 69_632 runs"),
    (["sweep", "--seeds", "4096", "--steps", "1000000"], "the most is 1_000_000_000"),
    (["sweep", "--grid", "pack=1,3"], "batch_size must be a multiple of pack (3)"),
    # seeds
    (["sweep", "--seeds", "100000000"], "seeds must be a count in 1..4096"),
    (["sweep", "--seeds", "0"], "seeds must be a count in 1..4096"),
    (["sweep", "--seeds", "-3"], "seeds must be a count in 1..4096"),
    (["sweep", "--seeds", "1,,2"], "--seeds has an empty item"),
    (["sweep", "--seeds", "3,"], "--seeds has an empty item"),
    (["sweep", "--seeds", ""], "--seeds has an empty item"),
    (["sweep", "--seeds", "1,1"], "seed 1 is listed twice"),
    (["sweep", "--seeds", "abc"], "--seeds takes a count or a comma-separated list"),
    (["sweep", "--seeds", "1,3000000000"], "seed must be an integer in 0..2147483647"),
    (["sweep", "--seeds", "9" * 5000], "--seeds takes a count"),
    # steps
    (["train", "--steps", "1000001"], "must be an integer in 0..1_000_000"),
    (["sweep", "--steps", "99999999999"], "must be an integer in 0..1_000_000"),
    # whatever is typed, the message stays on one line
    (["train", "--loss", "bce\nhinge"], "loss must be one of"),
    (["train", "--no\nsuch"], "unrecognized arguments: --no\\nsuch"),
]


@pytest.mark.parametrize("args, words", REFUSED, ids=lambda v: " ".join(v)[:60]
                         if isinstance(v, list) else None)
def test_bad_command_lines_exit_2_with_one_line_before_any_work(args, words, capsys):
    start = time.perf_counter()
    assert main(args) == 2
    seconds = time.perf_counter() - start
    captured = capsys.readouterr()
    assert words in captured.err
    assert len(captured.err.splitlines()) == 1 and captured.err.endswith("\n")
    assert "Traceback" not in captured.err and captured.out == ""
    assert seconds < 2  # refused at once, not after training


def output_paths(tmp_path):
    return {
        "missing folder": str(tmp_path / "no" / "such" / "out"),
        "empty name": "",
        "a folder": str(tmp_path),
        "under /proc": "/proc/evengan-out",
        "a device": "/dev/null",
    }


@pytest.mark.parametrize("case", ["missing folder", "empty name", "a folder", "under /proc",
                                  "a device"])
@pytest.mark.parametrize("command, flag", [("train", "--save"), ("sweep", "--csv")])
def test_an_output_that_cannot_be_written_fails_before_the_work(case, command, flag,
                                                                  tmp_path, capsys):
    path = output_paths(tmp_path)[case]
    # 10^6 steps would take minutes: a quick exit shows nothing was trained first.
    args = [command, "--steps", "1000000", flag, path]
    start = time.perf_counter()
    assert main(args) == 2
    assert time.perf_counter() - start < 2
    err = capsys.readouterr().err
    assert err.startswith(f"evengan: error: {flag}") and len(err.splitlines()) == 1


def test_checking_an_output_leaves_no_trace(tmp_path):
    from evengan.cli import check_writable

    new = tmp_path / "new.csv"
    check_writable("--csv", str(new))
    assert not new.exists()  # created to prove it can be, then removed
    old = tmp_path / "old.csv"
    old.write_text("keep me")
    check_writable("--csv", str(old))
    assert old.read_text() == "keep me"  # opened for writing, not truncated
    old.chmod(0o444)
    if os.geteuid() != 0:  # root may write anyway
        with pytest.raises(ValueError, match="cannot write"):
            check_writable("--csv", str(old))


def test_sweep_json_is_strict_json_with_null_for_diverged_runs(capsys):
    # SGD at a learning rate of 10 on the least-squares loss blows up within 50 steps.
    args = ["sweep", "--lr", "10", "--optimizer-g", "sgd", "--optimizer-d", "sgd", "--loss",
            "lsgan", "--grid", "batch_size=16,32", "--seeds", "2", "--steps", "50", "--json"]
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4

    def refuse(name):
        raise AssertionError(f"{name} is not JSON")

    rows = [json.loads(line, parse_constant=refuse) for line in lines]
    assert all(row["diverged"] for row in rows)
    assert all(row["coverage"] is None and row["even_ratio"] is None for row in rows)
    assert sorted(row["batch_size"] for row in rows) == [16, 16, 32, 32]


def test_sweep_with_a_seed_list_and_csv(tmp_path, capsys):
    out = tmp_path / "table.csv"
    assert main(["sweep", "--seeds", "4,9", "--steps", "20", "--csv", str(out), "--quiet"]) == 0
    assert "wrote 2 rows" in capsys.readouterr().out
    rows = out.read_text().splitlines()
    assert rows[0].startswith("seed,") and [r.split(",")[0] for r in rows[1:]] == ["4", "9"]


def test_the_sweep_module_prints_nothing():
    import evengan.sweep

    source = Path(evengan.sweep.__file__).read_text()
    assert "print(" not in source and ".write(" not in source

"""The batched engine as a sweep: the same algorithm as the Trainer, and its table and CLI."""

import csv
import io
import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from evengan import GANConfig, Trainer
from evengan.engine import Engine
from evengan.sweep import Ensemble, parse_grid, run_sweep

EQUIVALENCE = [{}, {"d_hidden": 8, "pack": 2}, {"loss": "wgan-gp", "d_hidden": 4},
               {"loss": "lsgan", "instance_noise": 0.1, "noise": "gaussian"}]


@pytest.mark.parametrize("changes", EQUIVALENCE, ids=lambda c: ",".join(c) or "tutorial")
def test_batched_engine_is_the_trainer_fed_the_same_noise_and_data(changes):
    """R Trainers and one R-run engine, given identical noise and data, end with the same
    parameters (to float tolerance), hyperparameters differing per run."""
    cfgs = [GANConfig(seed=s, lr_g=lr, batch_size=8, **changes)
            for s, lr in [(0, 1e-3), (1, 3e-3), (2, 1e-2), (3, 1e-3)]]
    trainers = [Trainer(c, eval_every=0) for c in cfgs]
    batched = Engine(cfgs)
    gen = torch.Generator().manual_seed(11)
    for _ in range(25):
        z = torch.randint(0, 2, (len(cfgs), 8, cfgs[0].z_dim), generator=gen).float()
        real = torch.randint(0, 64, (len(cfgs), 8), generator=gen) * 2
        real = ((real[..., None] >> torch.arange(6, -1, -1)) & 1).float()
        batched.step(z=z, real=real)
        for i, t in enumerate(trainers):
            t.engine.step(z=z[i : i + 1], real=real[i : i + 1])
    for i, t in enumerate(trainers):
        assert torch.allclose(batched.g[i], t.engine.g[0], atol=1e-5)
        assert torch.allclose(batched.d[i], t.engine.d[0], atol=1e-5)


def test_a_sweep_run_replays_as_a_trainer_with_its_seed():
    table = run_sweep(GANConfig(), {"lr_g": [1e-3, 5e-3]}, [4, 9], 200)
    for row in table.rows:
        t = Trainer(GANConfig(lr_g=row["lr_g"], seed=row["seed"]), eval_every=0)
        t.run(200)
        ev = t.evaluate()
        assert row["coverage"] == pytest.approx(ev["coverage"], abs=1 / 64 + 1e-9)
        assert row["even_ratio"] == pytest.approx(ev["even_ratio"], abs=2 / 128 + 1e-9)


def test_sweep_table_shape_cells_and_csv():
    table = run_sweep(GANConfig(), {"lr_g": [1e-3, 1e-2], "batch_size": [16, 32]}, 3, 50)
    assert len(table.rows) == 2 * 2 * 3
    cells = table.cells()
    assert len(cells) == 4 and all(c["seeds"] == 3 for c in cells)
    for c in cells:
        assert c["coverage"] == pytest.approx(np.median(c["coverage_all"]))
        assert 0 <= c["collapse_probability"] <= 1
    rows = list(csv.DictReader(io.StringIO(table.to_csv())))
    assert len(rows) == 12 and set(rows[0]) == set(table.columns)


def test_sweep_curves_and_progress():
    calls = []
    table = run_sweep(GANConfig(), {}, 4, 100, curves_every=25,
                      progress=lambda done, total: calls.append((done, total)))
    assert table.curves["coverage"].shape == (4, 5)
    assert list(table.curve_steps) == [0, 25, 50, 75, 100]
    assert calls[-1] == (400, 400) and all(d <= t for d, t in calls)


@pytest.mark.parametrize("spec, words", [
    (["lr_g"], "FIELD=V1"), (["nope=1,2"], "config field"), (["seed=1,2"], "other than seed"),
    (["lr_g=abc"], "lr_g"), (["lr_g=1e-3", "lr_g=1e-2"], "twice")])
def test_bad_grids_are_refused_with_the_reason(spec, words):
    with pytest.raises(ValueError, match=words):
        parse_grid(spec)


def test_ensemble_follows_the_main_run_and_reports_spread():
    ens = Ensemble(GANConfig(seed=3), k=8)
    ens.run(100)
    assert ens.step_count == 100 and len(ens.history) == 100
    row = ens.evals.last()
    assert row["coverage_q1"] <= row["coverage_med"] <= row["coverage_q3"]
    assert 0 <= ens.collapse_probability() <= 1
    ens.update_config(GANConfig(seed=3, lr_g=5e-3))
    assert ens.step_count == 100  # a live change keeps the runs
    ens.update_config(GANConfig(seed=3, n_bits=5))
    assert ens.step_count == 0


def test_cli_sweep_prints_cells_and_writes_csv(tmp_path):
    out = tmp_path / "out.csv"
    p = subprocess.run([sys.executable, "-m", "evengan", "sweep", "--grid", "lr_g=1e-3,1e-2",
                        "--grid", "batch_size=16,32", "--seeds", "3", "--steps", "40",
                        "--csv", str(out)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "GAN-steps/s" in p.stdout and p.stdout.count("\n") >= 6
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 12 and {r["batch_size"] for r in rows} == {"16", "32"}
    p = subprocess.run([sys.executable, "-m", "evengan", "sweep", "--seeds", "0,5",
                        "--steps", "10", "--json"], capture_output=True, text=True, timeout=120)
    assert [json.loads(line)["seed"] for line in p.stdout.splitlines()] == [0, 5]


@pytest.mark.parametrize("args, words", [
    (["--grid", "lr_g"], "FIELD=V1"), (["--seeds", "x"], "--seeds"), (["--steps", "-1"], "steps"),
    (["--grid", "batch_size=0"], "batch_size")])
def test_cli_sweep_bad_input(args, words):
    p = subprocess.run([sys.executable, "-m", "evengan", "sweep", *args], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 2 and words in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_sweep_on_cuda_matches_cpu():
    cpu = run_sweep(GANConfig(), {}, 4, 100, device="cpu")
    gpu = run_sweep(GANConfig(), {}, 4, 100, device="cuda")
    for a, b in zip(cpu.rows, gpu.rows):
        assert a["seed"] == b["seed"]
        assert a["coverage"] == pytest.approx(b["coverage"], abs=2 / 64)


def test_ensemble_quantiles_are_those_of_its_seeds_run_alone():
    ens = Ensemble(GANConfig(seed=5), k=4)
    ens.run(30)
    alone = [Trainer(GANConfig(seed=6 + i), eval_every=0) for i in range(4)]
    for t in alone:
        t.run(30)
    losses = np.stack([t.history["loss_g"] for t in alone])  # (4, 30)
    for q, name in zip((0.25, 0.5, 0.75), ("q1", "med", "q3")):
        assert np.allclose(ens.history[f"loss_g_{name}"], np.quantile(losses, q, axis=0),
                           atol=1e-5)


def test_a_stopped_sweep_keeps_what_was_done():
    from evengan import GANConfig
    from evengan.sweep import run_sweep

    class Stop(Exception):
        pass

    def progress(done: int, total: int) -> None:
        if done >= total // 2:
            raise Stop

    stopped: dict = {}
    with pytest.raises(Stop):
        run_sweep(GANConfig(), {"lr_g": [1e-3, 1e-2]}, 4, 100, progress=progress,
                  stopped=stopped)
    table = stopped["table"]
    assert len(table.rows) == 8 and table.steps == 50  # every run, where it stood
    whole = run_sweep(GANConfig(), {"lr_g": [1e-3, 1e-2]}, 4, 50)
    # The runs stood at step 50: their metrics are those of a sweep of 50 steps.
    assert [r["coverage"] for r in table.rows] == [r["coverage"] for r in whole.rows]

"""The exported script: it runs with torch alone (evengan blocked from import) and gives the
run the Trainer gave.

The script's arithmetic is torch's own (nn.Linear, torch.optim), the Trainer's is
batch-invariant kernels: weights agree to float rounding, so the exact metrics (counts of
thresholded outputs) agree unless a bit probability sits within rounding of 0.5. Measured
here: 10 of 10 tutorial seeds at 500 steps, and every variant below at 200 steps.
"""

import json
import subprocess
import sys

import nbformat
import pytest

from evengan import GANConfig, Trainer
from evengan.cli import main
from evengan.export import cells, notebook, script, unsupported

_RUNNER = """
import json, sys
sys.modules["evengan"] = None  # the script must not need it
for path in sys.argv[1:]:
    src = open(path).read()
    import io, contextlib
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(compile(src, path, "exec"), {"__name__": "__main__"})
    print(buf.getvalue().strip().splitlines()[-1])
"""
KEYS = ("coverage", "distinct", "target_ratio")


def _run_scripts(tmp_path, configs, steps):
    paths = []
    for i, cfg in enumerate(configs):
        path = tmp_path / f"run{i}.py"
        path.write_text(script(cfg, steps), encoding="utf-8")
        paths.append(str(path))
    out = subprocess.run([sys.executable, "-c", _RUNNER, *paths], capture_output=True,
                         text=True, cwd=tmp_path, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    return [json.loads(line) for line in out.stdout.strip().splitlines()]


def _trainer_metrics(cfg, steps):
    t = Trainer(cfg)
    t.run(steps)
    ev = t.evaluate()
    return {"coverage": ev["coverage"], "distinct": ev["distinct"],
            "target_ratio": ev["target_ratio"]}


def test_the_tutorial_script_gives_the_trainer_s_run_on_every_seed(tmp_path):
    configs = [GANConfig(seed=s) for s in range(10)]
    got = _run_scripts(tmp_path, configs, 500)
    same = sum(all(g[k] == pytest.approx(_trainer_metrics(c, 500)[k], abs=1e-12) for k in KEYS)
               for g, c in zip(got, configs, strict=True))
    assert same >= 9, same  # the bar; measured 10 of 10
    assert all(g["step"] == 500 and set(KEYS) <= set(g) for g in got)


VARIANTS = [
    {"g_hidden": 8, "d_hidden": 8, "d_depth": 2},
    {"loss": "lsgan", "label_smoothing": 0.1},
    {"loss": "wgan", "optimizer_d": "sgd", "optimizer_g": "sgd", "momentum": 0.5,
     "lr_g": 0.01, "lr_d": 0.01},
    {"loss": "minimax", "beta1": 0.5},
    {"noise": "uniform", "noise_dim": 5},
    {"pack": 2, "d_hidden": 6},
    {"max_int": 100, "n_bits": 7, "noise_dim": 9},
    {"target": "multiples:3", "d_hidden": 8},
    {"target": "set:1=2,5,9,40-44=3"},
    {"target": "primes", "max_int": 100, "d_hidden": 4},
    {"target": "odd", "n_bits": 6},
    {"target": "range:20-90", "noise": "uniform"},
]


def test_every_expressible_variant_gives_the_trainer_s_metrics(tmp_path):
    configs = [GANConfig(seed=4, **v) for v in VARIANTS]
    got = _run_scripts(tmp_path, configs, 200)
    for g, c in zip(got, configs, strict=True):
        want = _trainer_metrics(c, 200)
        assert {k: g[k] for k in KEYS} == pytest.approx(want, abs=1e-12), c.to_query()


def test_what_the_script_cannot_express_is_named_not_failed(capsys):
    cfg = GANConfig(loss="wgan-gp", instance_noise=0.1, mbstd=True)
    assert unsupported(cfg) == ["the wgan-gp loss", "instance noise",
                                "the minibatch-std feature"]
    with pytest.raises(ValueError, match="cannot express the wgan-gp loss, instance noise"):
        script(cfg, 10)
    assert main(["export", "--loss", "wgan-gp"]) == 2
    assert "cannot express" in capsys.readouterr().err


def test_the_notebook_is_valid_holds_the_script_s_code_and_runs(tmp_path, capsys):
    cfg = GANConfig(seed=2, d_hidden=4)
    nb = nbformat.reads(notebook(cfg, 30), as_version=4)
    nbformat.validate(nb)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert code == [text.strip("\n") for kind, text in cells(cfg, 30) if kind == "code"]
    assert not any("evengan" in line for c in code for line in c.splitlines()
                   if line.startswith(("import", "from")))
    (tmp_path / "nb.py").write_text("\n\n".join(code), encoding="utf-8")
    out = subprocess.run([sys.executable, "-c", _RUNNER, str(tmp_path / "nb.py")],
                         capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1])["step"] == 30
    assert main(["export", "--notebook", "--steps", "5", "--seed", "2"]) == 0
    nbformat.validate(nbformat.reads(capsys.readouterr().out, as_version=4))


def test_the_page_offers_the_script_or_says_why_not():
    from tests.test_app import start

    at = start()
    keys = {b.key for b in at.get("download_button")}
    assert {"btn_dl_script", "btn_dl_notebook"} <= keys
    at = start({"preset": "wgan-gp"})
    assert "btn_dl_script" not in {b.key for b in at.get("download_button")}
    assert any("loss=wgan-gp" in c.value for c in at.caption)


def test_the_page_s_script_is_the_run_s_settings_for_its_steps():
    from evengan.app import share

    t = Trainer(GANConfig(seed=6))
    assert "STEPS = 500" in share._script(t)  # untrained: the tutorial's 500 steps
    t.run(120)
    text = share._script(t)
    assert "STEPS = 120" in text and "SEED = 6" in text and share._plain(t)
    t.update_config(t.config.replace(lr_g=0.01))
    assert not share._plain(t)  # a live change: the page says the script starts over

"""Save and load: exact resume, and refusal of anything that is not a checkpoint."""

import io
import os
import pickle
import zipfile

import numpy as np
import pytest

from evengan import GANConfig, Trainer

VARIANTS = [{}, {"d_hidden": 8, "pack": 2, "batch_size": 16}, {"loss": "wgan-gp", "d_hidden": 4},
            {"optimizer_g": "sgd", "momentum": 0.5, "noise": "gaussian", "n_bits": 5}]


@pytest.mark.parametrize("changes", VARIANTS, ids=lambda c: ",".join(c) or "tutorial")
@pytest.mark.parametrize("seed", [0, 7])
def test_resume_is_exact(changes, seed, tmp_path):
    cfg = GANConfig(seed=seed, **changes)
    straight = Trainer(cfg)
    straight.run(320)
    paused = Trainer(cfg)
    paused.run(170)
    path = tmp_path / "run.npz"
    paused.save(str(path))
    resumed = Trainer.load(str(path))
    resumed.run(150)
    assert resumed.config == cfg and resumed.step_count == 320
    assert np.array_equal(resumed.history.array(), straight.history.array())
    assert np.array_equal(resumed.evals.array(), straight.evals.array())
    assert np.array_equal(resumed.engine.g.detach().numpy(), straight.engine.g.detach().numpy())


def test_save_to_a_file_object_and_back():
    t = Trainer()
    t.run(60)
    buf = io.BytesIO()
    t.save(buf)
    assert len(buf.getvalue()) < 200_000
    back = Trainer.load(buf.getvalue())
    assert back.step_count == 60 and back.evaluate()["coverage"] == t.evaluate()["coverage"]


class Boom:
    def __reduce__(self):
        return (os.system, ("echo pwned > /tmp/evengan_pwned",))


def tampered(name: str, change) -> bytes:
    """A real checkpoint with one of its arrays changed."""
    buf = io.BytesIO()
    Trainer().save(buf)
    data = dict(np.load(io.BytesIO(buf.getvalue())))
    data[name] = change(data[name])
    out = io.BytesIO()
    np.savez(out, **data)
    return out.getvalue()


def crafted(kind: str) -> bytes:
    buf = io.BytesIO()
    if kind == "pickle":
        pickle.dump({"config": Boom()}, buf)
    elif kind == "object-array":
        np.savez(buf, meta=np.array([Boom()], dtype=object))
    elif kind == "text":
        buf.write(b"definitely not a checkpoint")
    elif kind == "zip-junk":
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("meta.npy", b"\x93NUMPY garbage")
    elif kind == "foreign-npz":
        np.savez(buf, weights=np.ones(3))
    elif kind == "bad-header":
        np.savez(buf, meta=np.frombuffer(b'{"format": "other"}', dtype=np.uint8))
    elif kind == "bad-config":
        return tampered("meta", lambda m: np.frombuffer(
            m.tobytes().replace(b'"n_bits": 7', b'"n_bits": 99'), dtype=np.uint8))
    elif kind == "bad-shape":
        return tampered("g", lambda g: np.ones((1, 3)))
    elif kind == "nan-weights":
        return tampered("d", lambda d: d * np.nan)
    return buf.getvalue()


@pytest.mark.parametrize("kind", ["pickle", "object-array", "text", "zip-junk", "foreign-npz",
                                  "bad-header", "bad-config", "bad-shape", "nan-weights"])
def test_crafted_files_raise_value_error_and_run_nothing(kind):
    if os.path.exists("/tmp/evengan_pwned"):
        os.remove("/tmp/evengan_pwned")
    with pytest.raises(ValueError):
        Trainer.load(crafted(kind))
    assert not os.path.exists("/tmp/evengan_pwned")


def test_oversized_upload_is_refused():
    with pytest.raises(ValueError, match="at most"):
        Trainer.load(b"\0" * (6 * 1024 * 1024))

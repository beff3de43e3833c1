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


def test_eval_every_and_histories_come_back_as_saved():
    t = Trainer(GANConfig(seed=2), eval_every=25)
    t.run(110)
    buf = io.BytesIO()
    t.save(buf)
    back = Trainer.load(buf.getvalue())
    assert back.eval_every == 25 and back.diverged is None
    for name in ("history", "evals", "weights", "timeline"):
        assert np.array_equal(getattr(back, name).array(), getattr(t, name).array()), name
    back.run(15)
    assert back.evals.last()["step"] == 125  # evaluation resumes on its own schedule


def test_the_inflation_bound_covers_the_largest_checkpoint_and_little_more():
    from evengan import checkpoint

    def widest(n: int) -> GANConfig:
        return GANConfig(n_bits=n, g_hidden=256, g_depth=4, d_hidden=256, d_depth=4, pack=8,
                         mbstd=True, noise_dim=16, batch_size=64)

    def logs(n: int) -> dict:
        # A Trainer's histories depend on n_bits alone; a small config builds them cheaply.
        t = Trainer(GANConfig(n_bits=n), eval_every=0)
        out = {"history": t.history, "evals": t.evals, "weights": t.weights}
        return out if t.timeline is None else {**out, "timeline": t.timeline}

    largest = max(checkpoint.max_payload_bytes(widest(n), logs(n)) for n in range(3, 17))
    assert largest <= checkpoint.MAX_INFLATED_BYTES < 1.1 * largest


def test_a_file_over_5_mb_on_disk_is_refused(tmp_path):
    big = tmp_path / "big.npz"
    big.write_bytes(b"PK\x03\x04" + b"\0" * (6 * 1024 * 1024))
    with pytest.raises(ValueError, match="at most 5 MB"):
        Trainer.load(str(big))


def test_a_fifo_a_folder_or_no_file_is_refused_without_waiting(tmp_path):
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)  # opening this for reading would block until a writer comes
    with pytest.raises(ValueError, match="not a regular file"):
        Trainer.load(str(fifo))
    with pytest.raises(ValueError, match="cannot read the checkpoint: Is a directory"):
        Trainer.load(str(tmp_path))
    with pytest.raises(ValueError, match="cannot read the checkpoint: No such file"):
        Trainer.load(str(tmp_path / "missing.npz"))


def test_a_text_stream_is_refused():
    with pytest.raises(ValueError, match="opened as text"):
        Trainer.load(io.StringIO("PK"))

"""Every crafted file of tests/corpus: refused with one plain sentence, or, where it is valid
but odd, loaded to a Trainer that trains on. No load takes a second or 100 MB."""

import io
import time
import tracemalloc
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from evengan import Trainer, checkpoint
from tests.corpus import make_checkpoints as corpus

MAX_SECONDS = 1.0
MAX_PEAK_BYTES = 100 * 2**20


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("checkpoint-corpus")
    corpus.write_all(path)
    return path


def load(source):
    """The loaded Trainer, or the ValueError that refused the file; anything else escapes."""
    try:
        return Trainer.load(source)
    except ValueError as exc:
        return exc


def test_the_corpus_has_every_kind_of_file():
    kinds = Counter(c.expect for c in corpus.CASES.values())
    assert kinds["refuse"] >= 50 and kinds["load"] >= 10
    assert set(kinds) == {"refuse", "load"}


@pytest.mark.parametrize("name", list(corpus.CASES))
def test_crafted_checkpoint_is_refused_or_loads_sanely(name, folder):
    path = folder / f"{name}.npz"
    # The limits below are promised for files the app accepts: at most 5 MB.
    assert path.stat().st_size <= checkpoint.MAX_BYTES

    start = time.perf_counter()
    outcome = load(str(path))
    seconds = time.perf_counter() - start
    tracemalloc.start()
    try:
        load(str(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert seconds < MAX_SECONDS, f"{name} took {seconds:.2f} s"
    assert peak < MAX_PEAK_BYTES, f"{name} peaked at {peak / 2**20:.0f} MB"
    assert not (folder / corpus.MARKER).exists(), "a pickle in the file was run"
    if corpus.CASES[name].expect == "refuse":
        assert isinstance(outcome, ValueError), f"{name} loaded"
        message = str(outcome)
        assert message.startswith("not a valid evengan checkpoint: ")
        assert "\n" not in message and len(message) < 300
        assert "allow_pickle" not in message and "Traceback" not in message
    else:
        assert isinstance(outcome, Trainer), f"{name} was refused: {outcome}"
        assert_trains_on(outcome)


def assert_trains_on(trainer: Trainer) -> None:
    """A few steps run (or, for a run that had diverged, none), and nothing goes non-finite."""
    before = trainer.step_count
    taken = trainer.run(3)
    assert trainer.step_count == before + taken
    assert taken == (0 if trainer.diverged else 3) or trainer.diverged
    assert bool(trainer.engine.finite().all())
    assert len(trainer.history) <= trainer.history.capacity
    if trainer.config.n_bits <= 7:  # exact metrics of the small configs stay cheap
        ev = trainer.evaluate()
        assert 0 <= ev["coverage"] <= 1 and abs(float(ev["distribution"].sum()) - 1) < 1e-6


@pytest.mark.parametrize("name", ["valid-as-saved", "second-moment-negative",
                                  "pickled-object-array-meta"])
def test_bytes_file_object_and_path_agree(name, folder):
    path = folder / f"{name}.npz"
    outcomes = [load(str(path)), load(path), load(path.read_bytes()),
                load(io.BytesIO(path.read_bytes()))]
    if corpus.CASES[name].expect == "refuse":
        assert len({str(o) for o in outcomes}) == 1 and isinstance(outcomes[0], ValueError)
    else:
        weights = [o.engine.g.detach().numpy() for o in outcomes]
        assert all(np.array_equal(weights[0], w) for w in weights)


def test_a_refusal_says_what_is_wrong(folder):
    """The sentence names the problem, not numpy's or zipfile's internals."""
    expected = {
        "eval-every-negative": "eval_every must be an integer in 0..",
        "steps-10-to-the-30": "steps must be an integer in 0..1000000",
        "second-moment-negative": "'g_v' holds a negative number",
        "moment-shape-broadcast": "'d_m' has shape (1,)",
        "weights-1e300-inf-in-float32": "not finite in float32",
        "pickled-object-array-meta": "holds Python objects",
        "zip-bomb-4.5GB-declared-zip64": "more than any checkpoint",
        "header-bomb-30k-brackets": "nests too deeply",
        "missing-member-d_v": "'d_v' is missing",
        "header-bomb-100k-brackets": "100000 bytes; a header is 2 to 65536",
        "counter-one-short": "counter 61 is below 62",
    }
    for name, words in expected.items():
        outcome = load(str(folder / f"{name}.npz"))
        assert isinstance(outcome, ValueError) and words in str(outcome), (name, outcome)

"""Targets (evengan.target): every kind against a brute-force reference, for the numbers it
holds, the metrics against it and the real data drawn from it."""

import io
import math
import zipfile
from collections import Counter

import numpy as np
import pytest
import torch

from evengan import GANConfig, Trainer, metrics, rng
from evengan import target as T
from evengan.cli import main as cli_main
from evengan.parse import config_from_strings


def is_prime(x: int) -> bool:
    return x >= 2 and all(x % d for d in range(2, x))


# Each kind of target, with the weight a plain-Python rule gives every integer x.
KINDS = {
    "even": lambda x: int(x % 2 == 0),
    "odd": lambda x: int(x % 2 == 1),
    "multiples:3": lambda x: int(x % 3 == 0),
    "multiples:4": lambda x: int(x % 4 == 0),
    "multiples:7": lambda x: int(x % 7 == 0),
    "range:5-20": lambda x: int(5 <= x <= 20),
    "primes": lambda x: int(is_prime(x)),
    "set:1,5,9": lambda x: int(x in (1, 5, 9)),
    "set:1=2,5=1,9=1": lambda x: {1: 2, 5: 1, 9: 1}.get(x, 0),
    "set:0-3=3,40": lambda x: 3 if x <= 3 else int(x == 40),
}
UPPERS = (8, 16, 50, 128)


def brute_weights(spec: str, upper: int) -> list[int]:
    return [KINDS[spec](x) for x in range(upper)]


@pytest.mark.parametrize("upper", UPPERS)
@pytest.mark.parametrize("spec", list(KINDS))
def test_weights_are_the_brute_force_rule(spec, upper):
    assert T.weights(spec, upper).tolist() == brute_weights(spec, upper)


@pytest.mark.parametrize("spec", list(KINDS))
def test_the_sampling_table_holds_each_number_weight_times(spec):
    table = T.sampling_table(spec, 128)
    assert Counter(table.tolist()) == {x: w for x, w in enumerate(brute_weights(spec, 128)) if w}
    assert np.all(np.diff(table) >= 0)


@pytest.mark.parametrize("written, canonical", [
    ("even", "even"), (" EVEN ", "even"), ("multiples:2", "even"), ("multiples:05", "multiples:5"),
    ("set:9,5,1=2", "set:1=2,5,9"), ("set:2=4,4=6", "set:2=2,4=3"), ("set:3,1,2", "set:1-3"),
    ("set:1,2", "set:1,2"), ("set:0-2,3=2", "set:0-2,3=2"), ("range: 4 - 9", "range:4-9"),
])
def test_one_spelling_per_target(written, canonical):
    assert T.canonical(written) == canonical
    assert T.canonical(canonical) == canonical
    assert GANConfig(target=written).target == canonical


@pytest.mark.parametrize("bad, words", [
    ("", "must be even, odd"), ("evens", "must be even, odd"), ("set:", "not a whole number"),
    ("set:1,1", "named twice"), ("set:1,0-3", "named twice"), ("multiples:0", "at least 1"),
    ("range:9-3", "ends below"), ("range:4", "must be even, odd"), ("set:1=0", "a weight"),
    ("set:1=1001", "a weight"), ("set:١", "not a whole number"), ("set:70000", "above 65535"),
    ("set:-1", "no number may be negative"), ("set:" + "9" * 30000, "at most 20,000 characters"),
    ("set:" + "9" * 5000, "is above 65535"), ("range:-5-3", "no number may be negative"),
])
def test_a_bad_target_is_one_sentence(bad, words):
    with pytest.raises(ValueError, match=words) as info:
        GANConfig(target=bad)
    assert "\n" not in str(info.value) and len(str(info.value)) < 200


def test_a_target_must_keep_a_number_below_the_bound_and_fit_its_table():
    with pytest.raises(ValueError, match="no number below 128"):
        GANConfig(target="set:200")
    assert GANConfig(n_bits=8, target="set:200").target_size == 1
    assert GANConfig(target="range:100-300").target_size == 28  # cut at 127
    with pytest.raises(ValueError, match="table entries"):
        GANConfig(n_bits=16, target="set:0=1000,1-65535")


def test_the_target_travels_in_links_flags_and_recipes(tmp_path, capsys):
    cfg = GANConfig(target="set:1=2,5,9")
    assert cfg.to_query() == {"target": "set:1=2,5,9"}
    assert config_from_strings(cfg.to_query())[0] == cfg
    _, problems = config_from_strings({"target": "set:x"}, strict=False)
    assert problems[0][0] == "target" and "not a whole number" in problems[0][1]
    tr = Trainer(cfg)
    tr.run(60)
    assert Trainer.from_recipe(tr.recipe()).config.target == "set:1=2,5,9"
    assert cli_main(["train", "--target", "multiples:4", "--steps", "10", "--json",
                     "--quiet"]) == 0
    assert '"target_ratio"' in capsys.readouterr().out
    assert cli_main(["train", "--target", "set:1,1"]) == 2
    assert "named twice" in capsys.readouterr().err


# ---- metrics -------------------------------------------------------------------------------


def brute_metrics(q: list[float], spec: str, upper: int) -> dict:
    """The exact metrics by the definitions, with plain floats and dictionaries."""
    w = brute_weights(spec, upper)
    p = {x: wx / sum(w) for x, wx in enumerate(w) if wx}
    used = {x: v for x, v in enumerate(q) if v > 0}
    m = {x: 0.5 * (used.get(x, 0) + p.get(x, 0)) for x in set(used) | set(p)}

    def kl(a):
        return sum(v * math.log2(v / m[x]) for x, v in a.items())

    return {
        "target_ratio": sum(v for x, v in used.items() if x in p),
        "even_ratio": sum(v for x, v in used.items() if x % 2 == 0),
        "coverage": sum(1 for x in p if x in used) / len(p),
        "distinct": len(used),
        "entropy_bits": -sum(v * math.log2(v) for v in used.values()),
        "js_bits": 0.5 * kl(used) + 0.5 * kl(p),
    }


def random_q(gen: np.random.Generator, size: int) -> np.ndarray:
    """A distribution over `size` integers as a G with 64 noise vectors could make it."""
    counts = np.bincount(gen.integers(0, size, gen.integers(1, 64) if gen.random() < 0.5
                                      else 64) % (gen.integers(1, size) + 1), minlength=size)
    return counts / counts.sum()


@pytest.mark.parametrize("spec", list(KINDS))
def test_every_metric_against_the_target_is_the_brute_force_one(spec):
    gen = np.random.default_rng(15)  # 12 distributions per target, from one fixed seed
    for upper, n in ((128, 7), (50, 6)):
        if not any(brute_weights(spec, upper)):
            continue
        qs = np.stack([random_q(gen, 2**n) for _ in range(12)])
        got = metrics.summarize(torch.from_numpy(qs), upper, spec)
        for r, q in enumerate(qs):
            want = brute_metrics(q.tolist(), spec, upper)
            for name, value in want.items():
                assert float(got[name][r]) == pytest.approx(value, abs=1e-12), (name, upper)


def test_for_the_evens_the_in_target_ratio_is_the_even_ratio_to_the_last_bit():
    # One strided sum gives both for the evens of n bits; below a bound that cuts the evens,
    # odd-free numbers above the bound are even but not in the target.
    for seed in range(5):
        ev = Trainer(GANConfig(seed=seed)).evaluate()
        assert ev["target_ratio"] == ev["even_ratio"]
    q = torch.zeros(1, 128, dtype=torch.float64)
    q[0, 100] = q[0, 2] = 0.5
    s = metrics.summarize(q, 100)
    assert float(s["even_ratio"][0]) == 1.0 and float(s["target_ratio"][0]) == 0.5


def test_the_trainer_scores_its_own_distribution_against_its_target():
    tr = Trainer(GANConfig(target="multiples:3", d_hidden=16, seed=2))
    tr.run(200)
    ev = tr.evaluate()
    q = np.asarray(ev["distribution"], dtype=np.float64)
    want = brute_metrics(q.tolist(), "multiples:3", 128)
    for name, value in want.items():
        assert ev[name] == pytest.approx(value, abs=1e-12), name
    assert tr.evals.last()["target_ratio"] == pytest.approx(want["target_ratio"], abs=1e-12)


# ---- sampling ------------------------------------------------------------------------------


def exact_pick_probabilities(size: int) -> np.ndarray:
    """How often rng.below(h, size) gives each index as h runs over all 2**32 hashes: index i
    takes the h with i * 2**32 <= h * size < (i + 1) * 2**32, a count of ceilings."""
    edges = np.array([-(-(i * 2**32) // size) for i in range(size + 1)], dtype=object)
    return np.array([int(c) for c in np.diff(edges)], dtype=np.float64) / 2**32


@pytest.mark.parametrize("spec", [s for s in KINDS if s != "even"])
def test_real_data_draws_the_target_exactly_up_to_two_to_the_minus_32(spec):
    cfg = GANConfig(target=spec)
    engine = Trainer(cfg).engine
    table = T.sampling_table(spec, cfg.upper)
    picks = exact_pick_probabilities(len(table))
    drawn = np.zeros(cfg.upper)
    np.add.at(drawn, table, picks)
    p = np.asarray(brute_weights(spec, cfg.upper), dtype=np.float64)
    assert np.abs(drawn - p / p.sum()).max() <= len(table) / 2**32
    # and the engine turns each edge hash into its table entry's bits
    edges = torch.tensor([[-(-(i * 2**32) // len(table)) for i in range(len(table))]])
    bits = engine.real(edges.expand(1, len(table))[:, : cfg.batch_size]
                       if len(table) >= cfg.batch_size else
                       torch.cat([edges] * cfg.batch_size, 1)[:, : cfg.batch_size])
    ints = (bits[0] * 2 ** torch.arange(cfg.n_bits - 1, -1, -1)).sum(1).long()
    assert ints.tolist() == [int(table[i % len(table)]) for i in range(cfg.batch_size)]


@pytest.mark.parametrize("spec", list(KINDS))
def test_the_engine_draws_real_batches_from_the_target_over_many_steps(spec):
    """5,000 real numbers from a run's own steps: each in the target, and each number's
    count within 5 standard deviations of its expected count (seed fixed)."""
    cfg = GANConfig(target=spec, batch_size=50, seed=3)
    engine = Trainer(cfg).engine
    seen = Counter()
    shifts = 2 ** torch.arange(cfg.n_bits - 1, -1, -1)
    for _ in range(100):
        _, real = engine.peek_inputs()
        engine.counters += 1
        seen.update((real[0] * shifts).sum(1).long().tolist())
    w = np.asarray(brute_weights(spec, cfg.upper), dtype=np.float64)
    p = w / w.sum()
    assert all(p[x] > 0 for x in seen)
    total = sum(seen.values())
    for x in np.flatnonzero(p):
        sd = math.sqrt(total * p[x] * (1 - p[x]))
        assert abs(seen[x] - total * p[x]) <= 5 * sd + 1e-9, x


def test_the_tutorials_evens_still_draw_as_before():
    """The default target keeps its draws: fair bits with the parity bit zeroed below a power
    of two, an even picked by multiply-shift below any other bound."""
    for cfg in (GANConfig(seed=4), GANConfig(seed=4, max_int=100)):
        engine = Trainer(cfg).engine
        h = engine._step_hashes(True, True, peek=True)
        _, real = engine.peek_inputs()
        if cfg.max_int == 0:
            want = h["x0"].view(1, cfg.batch_size, cfg.n_bits).clone()
            want[..., -1] = 0
        else:
            evens = 2 * rng.below(h["x0"], 50)
            want = ((evens[..., None] >> torch.arange(6, -1, -1)) & 1).to(torch.float32)
        assert torch.equal(real, want)


# ---- files from before targets ---------------------------------------------------------------


@pytest.mark.parametrize("max_int, target", [(0, "even"), (100, "even"), (0, "multiples:3")])
def test_a_checkpoint_from_before_targets_loads_with_its_in_target_ratio(max_int, target):
    # (a file from before targets has the evens; one that names another target was crafted)
    tr = Trainer(GANConfig(max_int=max_int, target=target))
    tr.run(200)
    buf = io.BytesIO()
    tr.save(buf)
    old = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, \
            zipfile.ZipFile(old, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "evals.npy":  # drop the last column, as files before targets had
                arr = np.load(io.BytesIO(data))
                out = io.BytesIO()
                np.save(out, np.ascontiguousarray(arr[:, :-1]))
                data = out.getvalue()
            dst.writestr(name, data)
    old.seek(0)
    back = Trainer.load(old)
    got = back.evals["target_ratio"]
    if max_int == 0 and target == "even":  # the evens of 7 bits: the even ratio's own sum
        assert np.array_equal(got, tr.evals["target_ratio"])
    else:  # not known from the file: a gap
        assert np.isnan(got).all()
    back.run(50)
    assert not math.isnan(back.evals.last()["target_ratio"])
    again = io.BytesIO()
    back.save(again)
    again.seek(0)
    assert Trainer.load(again).step_count == 250


@pytest.mark.parametrize("spec", list(KINDS))
def test_clicking_numbers_in_and_out_follows_a_plain_set_model(spec):
    """40 clicks of one to three numbers each (fixed seed), against a dict of weights: all
    picked in the target, they leave; otherwise they join with weight 1 (or keep theirs)."""
    gen = np.random.default_rng(7)
    model = {x: w for x, w in enumerate(brute_weights(spec, 32)) if w}
    current = spec
    for _ in range(40):
        picked = gen.choice(32, size=gen.integers(1, 4), replace=False).tolist()
        if all(x in model for x in picked):
            after = {x: w for x, w in model.items() if x not in picked}
        else:
            after = {**model, **{x: model.get(x, 1) for x in picked}}
        if not after:
            with pytest.raises(ValueError, match="at least one number"):
                T.toggled(current, picked, 32)
            continue
        current, model = T.toggled(current, picked, 32), after
        want = np.zeros(32)
        want[list(model)] = list(model.values())
        assert np.allclose(T.distribution(current, 32), want / want.sum(), atol=1e-15)
        assert GANConfig(n_bits=5, target=current).target == current  # a valid config


def test_a_big_set_is_kept_as_runs_and_a_click_that_would_overflow_a_link_says_so():
    assert T.parse("set:0-65535")[1] == ((0, 65535, 1),)  # one run, not 65,536 numbers
    assert T.parse("set:4-7=2,0-3=2,9")[1] == ((0, 7, 2), (9, 9, 1))  # joined, sorted
    cfg = GANConfig(n_bits=16, target="set:0-65535")
    assert cfg.target_size == 65536
    with pytest.raises(ValueError, match="would take more than the 20,000 characters") as info:
        T.toggled("even", [3], 2**16)  # 32,767 separate pieces
    assert "\n" not in str(info.value)
    assert T.toggled("even", [3], 2**12).startswith("set:0,2-4,6,")  # 12 bits still fit


def test_for_the_evens_below_max_int_a_fake_counts_as_even_by_its_last_bit():
    """The batch's even share means what it always did when max_int cuts the evens (an even
    98 < x < 128 is even, if not in the target): checked against G's own fakes, step by step."""
    t = Trainer(GANConfig(max_int=100, seed=1, d_hidden=8))
    for _ in range(30):
        t.step()
        fake = t.engine.last_fake[0]
        assert t.history.last()["even_batch"] == float((fake[:, -1] < 0.5).float().mean())


def test_a_grid_sweeps_targets_separated_by_semicolons():
    from evengan.sweep import parse_grid

    assert parse_grid(["target=even;set:1,5,9"]) == {"target": ["even", "set:1,5,9"]}
    assert parse_grid(["target=multiples:3,multiples:4"]) == {
        "target": ["multiples:3", "multiples:4"]}


def test_replacing_a_field_does_not_parse_a_long_target_again():
    # A recipe may change a setting thousands of times; each change rebuilds the config.
    spec = "set:" + ",".join(f"{i}={1 + i % 2}" for i in range(3000))
    cfg = GANConfig(n_bits=12, target=spec)
    T._parse.cache_clear()
    for k in range(200):
        cfg = cfg.replace(lr_g=1e-3 + k * 1e-6)
    assert T._parse.cache_info().misses <= 1 and cfg.target == T.canonical(spec)


def test_a_new_target_is_judged_at_once_not_after_the_next_step():
    """The evaluation is kept until the weights change; a new target changes the figures
    without touching a weight, so the page must not show the old target's."""
    t = Trainer(GANConfig(seed=2))
    t.run(100)
    before = t.evaluate()
    t.update_config(t.config.replace(target="set:0-127"))
    after = t.evaluate()
    assert after["target_ratio"] == 1.0 and after["coverage"] == before["distinct"] / 128
    assert t.step_count == 100

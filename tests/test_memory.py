"""A session can train for hours: memory stays bounded."""

import gc
import os

import pytest

from evengan import GANConfig, Trainer


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux /proc")
def test_a_60000_step_run_grows_the_process_by_a_few_mb_at_most():
    t = Trainer(GANConfig(seed=2))
    t.run(6_000)  # fill the histories to capacity once, so their buffers exist
    gc.collect()
    before = rss_mb()
    t.run(54_000)
    gc.collect()
    grown = rss_mb() - before
    assert t.step_count == 60_000
    assert len(t.history) <= t.history.capacity and len(t.evals) <= t.evals.capacity
    assert t.history["step"][-1] == 60_000
    assert grown < 4.0, f"grew by {grown:.1f} MB"

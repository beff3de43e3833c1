"""One training step told in its parts, for the lab's slow motion."""

from __future__ import annotations

from typing import Any

from .encoding import convert_float_matrix_to_int_list


def narrated_step(trainer: Any, mode: str = "both") -> dict:
    """Runs one step and returns its parts for the slow-motion view.

    The numbers are the step's own (Engine.seen): its noise, G's fakes, and D's scores of the
    real and fake batches as D saw them, instance noise and all, before D's update.
    """
    e = trainer.engine
    g_before, d_before = e.g.detach().clone(), e.d.detach().clone()
    record = trainer.step(mode)
    seen = e.seen
    as_ints = convert_float_matrix_to_int_list
    return {
        "noise": seen.z[0].numpy(),
        "fake_probs": seen.fake[0].numpy(),
        "fake_ints": as_ints(seen.fake[0]),
        "d_fake": seen.s_fake.judged[0].numpy(),
        "real_ints": as_ints(seen.real[0]),
        "d_real": seen.s_real.judged[0].numpy(),
        "record": record,
        "g_change": float((e.g.detach() - g_before).norm()),
        "d_change": float((e.d.detach() - d_before).norm()),
        "mode": mode,
        "pack": trainer.config.pack,
    }

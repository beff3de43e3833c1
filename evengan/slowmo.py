"""One training step told in its parts, for the lab's slow motion."""

from __future__ import annotations

from typing import Any

import torch

from .encoding import convert_float_matrix_to_int_list


def narrated_step(trainer: Any, mode: str = "both") -> dict:
    """Runs one step and returns its parts for the slow-motion view.

    The numbers come from the state just before the step and the very draws the step then
    uses, so the story and the step that happened are the same.
    """
    e = trainer.engine
    z, real = e.peek_inputs(mode)
    with torch.no_grad():
        fake = e.generate(z)
        s_fake = e.score(fake)
        s_real = e.score(real)
    sq = e.squash or (lambda v: v)
    g_before, d_before = e.g.detach().clone(), e.d.detach().clone()
    record = trainer.step(mode)
    as_ints = convert_float_matrix_to_int_list
    return {
        "noise": z[0].numpy(),
        "fake_probs": fake[0].numpy(),
        "fake_ints": as_ints(fake[0]),
        "d_fake": sq(s_fake)[0].numpy(),
        "real_ints": as_ints(real[0]),
        "d_real": sq(s_real)[0].numpy(),
        "record": record,
        "g_change": float((e.g.detach() - g_before).norm()),
        "d_change": float((e.d.detach() - d_before).norm()),
        "mode": mode,
        "pack": trainer.config.pack,
    }

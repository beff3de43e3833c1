"""The Sweep page: a grid over two hyperparameters, many seeds a cell, all trained at once."""

from __future__ import annotations

import csv
import io
import itertools
import math
import threading
from dataclasses import dataclass, field

import numpy as np
import streamlit as st

from .. import budget
from ..config import GANConfig, parse_field
from ..plots import lab as lab_plots
from ..sweep import MAX_BATCH, SweepTable, run_sweep
from ..turnstile import Cancelled, answers
from .charts import CHART_CONFIG, chart
from .state import SESSION_BYTES, STEP_SECONDS, refusal, scheduler, session_alive, t
from .text import plain

# Fields worth sweeping, with a default range each.
AXES = {
    "lr_g": "1e-4,3e-4,1e-3,3e-3,1e-2",
    "lr_d": "1e-4,3e-4,1e-3,3e-3,1e-2",
    "batch_size": "8,16,32,64,128",
    "beta1": "0.0,0.5,0.9",
    "label_smoothing": "0.0,0.1,0.2,0.3",
    "instance_noise": "0.0,0.1,0.2,0.5",
    "d_steps": "1,2,3,5",
    "d_hidden": "0,8,32,64",
    "g_hidden": "0,8,32",
    "pack": "1,2,4,8",
    "noise_dim": "0,8,10,12",
    "n_bits": "4,5,6,7,8",
}
WORK_CAP = 20_000_000  # GAN-steps one click may ask for (about a minute here)


def _values(name: str, text: str) -> list:
    return [parse_field(name, v) for v in text.split(",") if v.strip()]


def render() -> None:
    ss = st.session_state
    base: GANConfig = ss.trainer.config
    st.title(t("sweep_title"))
    st.caption(t("sweep_intro"))
    changed = base.to_query()
    summary = ", ".join(f"{k}={v}" for k, v in changed.items()) or t("sweep_defaults")
    st.caption(t("sweep_base", summary=summary))

    names = list(AXES)
    c1, c2 = st.columns(2)
    x_name = c1.selectbox(t("sweep_x"), names, index=names.index("lr_g"), key="w_sweep_x")
    y_choices = ["-", *names]
    none = t("sweep_none")
    y_name = c2.selectbox(t("sweep_y"), y_choices, index=y_choices.index("lr_d"),
                          key="w_sweep_y", format_func=lambda v: none if v == "-" else v)
    x_text = c1.text_input(t("sweep_values", field=x_name), AXES[x_name], key=f"w_sx_{x_name}")
    y_text = (c2.text_input(t("sweep_values", field=y_name), AXES[y_name], key=f"w_sy_{y_name}")
              if y_name != "-" else "")
    c3, c4 = st.columns(2)
    seeds = c3.number_input(t("sweep_seeds"), 1, 64, value=16, key="w_sweep_seeds")
    steps = c4.number_input(t("sweep_steps"), 10, 10_000, value=500, step=100,
                            key="w_sweep_steps")

    grid: dict[str, list] = {}
    problems = []
    for name, text in ((x_name, x_text), (y_name, y_text)):
        if name == "-":
            continue
        try:
            grid[name] = _values(name, text)
        except ValueError as exc:
            problems.append(t("sweep_bad_value", field=name, error=plain(exc)))
    if x_name == y_name:
        problems.append(t("sweep_same"))
    work = int(seeds) * int(steps) * math.prod(len(v) for v in grid.values())
    if work > WORK_CAP:
        problems.append(t("sweep_too_big", work=work, cap=WORK_CAP))
    for p in problems:
        st.warning(p)
    if not problems:
        problems += _too_big(_batches(base, grid, int(seeds)))
        for p in problems[-1:]:
            st.warning(p)
    running = ss.get("sweep_job") is not None
    if st.button(t("sweep_run"), type="primary", key="btn_sweep",
                 disabled=bool(problems) or running):
        _run(base, grid, int(seeds), int(steps))
        running = True
    st.fragment(_watch, run_every=0.5 if running else None)()
    error = ss.pop("sweep_error", None)
    if error:
        st.warning(error)
    result = ss.get("sweep")
    if result and not running:
        show(result["table"], result["grid"], result.get("of"))


def _batches(base: GANConfig, grid: dict[str, list], seeds: int) -> list[tuple[GANConfig, int]]:
    """The largest batch (config, runs) the sweep will train for each batch key."""
    counts: dict[tuple, tuple[GANConfig, int]] = {}
    for values in itertools.product(*grid.values()):
        try:
            cfg = base.replace(**dict(zip(grid, values, strict=True)))
        except ValueError:
            continue  # run_sweep says which value clashes
        old = counts.get(cfg.batch_key())
        counts[cfg.batch_key()] = (cfg, min((old[1] if old else 0) + seeds, MAX_BATCH))
    return list(counts.values())


def _too_big(batches: list[tuple[GANConfig, int]]) -> list[str]:
    """The session budget's word on each batch (nothing is booked while the page is drawn)."""
    for cfg, runs in batches:
        why = budget.refusal(cfg, runs, SESSION_BYTES, STEP_SECONDS)
        if why:
            return [t("bad_config", error=plain(why))]
    return []


@dataclass
class SweepJob:
    """A sweep training on its own thread: what the page's watcher reads and its Stop sets.
    The thread never touches session state; it fills this in."""

    grid: dict[str, list]
    steps: int
    runs: int
    halt: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)
    done: int = 0
    total: int = 1
    table: SweepTable | None = None
    stopped: dict = field(default_factory=dict)
    error: str | None = None


def _run(base: GANConfig, grid: dict[str, list], seeds: int, steps: int) -> None:
    """Books the sweep's largest batch with the server and starts it on its own thread, in
    fair slices; the page watches it (_watch) with a progress bar and a Stop that keeps what
    was done. Leaving the page does not lose it; closing the tab stops it."""
    ss = st.session_state
    batches = _batches(base, grid, seeds)
    biggest = max(batches, key=lambda b: budget.estimate_bytes(*b), default=None)
    full = biggest and refusal(biggest[0], biggest[1], kind="sweep")
    if full:
        st.warning(t("bad_config", error=plain(full)))
        return
    job = SweepJob(grid, steps, seeds * math.prod(len(v) for v in grid.values()))
    uid, alive = ss.uid, session_alive()

    def work() -> None:
        gate = scheduler().gate(uid, stop=lambda: job.halt.is_set() or not answers(alive))

        def progress(done: int, total: int) -> None:
            gate()  # a slice of the server's time at a time; raises Cancelled on Stop
            job.done, job.total = done, total

        try:
            job.table = run_sweep(base, grid, seeds, steps, progress=progress,
                                  max_bytes=SESSION_BYTES, stopped=job.stopped)
        except Cancelled:  # Stop: the runs where they stood
            job.table = job.stopped.get("table")
        except ValueError as exc:  # a grid value that clashes with the base (pack vs batch)
            job.error = str(exc)
        finally:
            gate.close()
            scheduler().release(uid, "sweep")  # its memory is free again
            job.finished.set()

    ss.sweep_job = job
    threading.Thread(target=work, name="evengan-sweep", daemon=True).start()


def _watch() -> None:
    """The running sweep's progress and Stop, redrawn twice a second; when it ends, its
    table becomes the page's and the whole page is drawn again."""
    ss = st.session_state
    job: SweepJob | None = ss.get("sweep_job")
    if job is None:
        return
    if not job.finished.is_set():
        st.progress(min(job.done / max(job.total, 1), 1.0),
                    text=t("sweep_running", runs=job.runs, done=job.done, total=job.total))
        st.button(t("sweep_stop"), key="btn_sweep_cancel", icon=":material/stop:",
                  on_click=job.halt.set)
        return
    ss.sweep_job = None
    if job.error:
        ss.sweep_error = t("sweep_bad_value", field=", ".join(job.grid), error=plain(job.error))
    elif job.table is not None:
        partial = job.table is job.stopped.get("table")
        ss.sweep = {"table": job.table, "grid": job.grid, "of": job.steps if partial else None}
    st.rerun(scope="app")


def show(table, grid: dict[str, list], stopped_of: int | None = None) -> None:
    """The sweep's heatmaps and table; `stopped_of`: the steps asked for, where a Stop cut
    the sweep short."""
    runs = len(table.rows)
    rate = runs * table.steps / max(table.seconds, 1e-9)
    if stopped_of:
        st.info(t("sweep_partial", runs=runs, steps=table.steps, of=stopped_of))
    else:
        st.success(t("sweep_done", runs=runs, steps=table.steps, seconds=table.seconds,
                     rate=rate))
    axes = list(grid)
    x_name, y_name = axes[0], (axes[1] if len(axes) > 1 else None)
    xs, ys = grid[x_name], (grid[y_name] if y_name else [None])
    cells = {tuple(c[a] for a in axes): c for c in table.cells()}

    def matrix(metric: str):
        z = np.full((len(ys), len(xs)), np.nan)
        per_seed = [[[] for _ in xs] for _ in ys]
        for i, y in enumerate(ys):
            for j, x in enumerate(xs):
                cell = cells.get((x, y) if y_name else (x,))
                if cell:
                    z[i, j] = cell[metric]
                    per_seed[i][j] = cell.get(metric + "_all", [])
        return z, per_seed

    left, right = st.columns(2)
    with left:
        z, per = matrix("coverage")
        chart(lab_plots.sweep_heatmap(x_name, xs, y_name, ys, z, per, t("sweep_cov")),
                        key="chart_sweep_cov", config=CHART_CONFIG)
    with right:
        z, per = matrix(table.ratio)
        words = "sweep_even" if table.ratio == "even_ratio" else "sweep_even_t"
        chart(lab_plots.sweep_heatmap(x_name, xs, y_name, ys, z, per, t(words)),
                        key="chart_sweep_even", config=CHART_CONFIG)
    st.caption(t("c_sweep"))
    st.markdown(f"**{t('sweep_table')}**")
    rows = [{**{a: c[a] for a in axes}, "seeds": c["seeds"],
             "coverage": round(c["coverage"], 3), table.ratio: round(c[table.ratio], 3),
             "entropy_bits": round(c["entropy_bits"], 2),
             "collapse_probability": round(c["collapse_probability"], 2)}
            for c in table.cells()]
    st.dataframe(rows, hide_index=True)
    left, right = st.columns(2)
    left.download_button(t("sweep_csv_cells"), _csv(rows), file_name="evengan_sweep_cells.csv",
                         mime="text/csv", key="btn_sweep_csv_cells", width="stretch")
    right.download_button(t("sweep_csv"), table.to_csv(), file_name="evengan_sweep_runs.csv",
                          mime="text/csv", key="btn_sweep_csv", width="stretch")


def _csv(rows: list[dict]) -> str:
    """The table shown, as CSV: one row a cell, its medians over the seeds."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else [], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()

"""Dashboard speed as a student sees it, in a real browser.

Play steps/s: Play, wait, Pause, and divide the Step metric by the time it played. Step-click
latency: from a click on Step until the Step metric shows the new step. Sessions: several
browser contexts (each its own Streamlit session) playing at once on one server.

    python -m benchmarks.bench_browser [--play 10] [--clicks 10] [--sessions 1,4,8]
"""

from __future__ import annotations

import argparse
import statistics
import time

from benchmarks.browser import (
    browser_missing,
    chromium,
    click_to_metric_ms,
    dashboard_server,
    open_page,
    step_metric,
)


def _press(page, key: str) -> None:
    """Clicks a keyed button from inside the page, without the driver's waiting."""
    page.evaluate("(k) => document.querySelector('.st-key-' + k + ' button').click()", key)


def play_rate(pages, seconds: float, warmup: float = 4.0) -> list[float]:
    """Steady-state steps/s of each page while all of them play at once."""
    for p in pages:
        _press(p, "btn_play")
    time.sleep(warmup)  # every session playing, its tick interval settled
    first = [(time.monotonic(), step_metric(p)) for p in pages]
    time.sleep(seconds)
    last = [(time.monotonic(), step_metric(p)) for p in pages]
    for p in pages:
        _press(p, "btn_pause")
    return [(s1 - s0) / (t1 - t0) for (t0, s0), (t1, s1) in zip(first, last)]


def click_latency(page, clicks: int) -> list[float]:
    out = []
    for _ in range(clicks):
        out.append(click_to_metric_ms(page) / 1000)
        time.sleep(0.5)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--play", type=float, default=10.0)
    parser.add_argument("--clicks", type=int, default=10)
    parser.add_argument("--sessions", default="1")
    args = parser.parse_args(argv)
    missing = browser_missing()
    if missing:
        raise SystemExit(f"bench_browser: {missing}")
    with dashboard_server() as url, chromium() as browser:
        page = open_page(browser, url)
        lat = click_latency(page, args.clicks)
        print(f"Step click -> metric: median {statistics.median(lat) * 1000:.0f} ms, "
              f"max {max(lat) * 1000:.0f} ms over {len(lat)} clicks")
        page.context.close()
        for k in [int(s) for s in args.sessions.split(",")]:
            pages = [open_page(browser, url) for _ in range(k)]
            rates = play_rate(pages, args.play)
            print(f"{k} session(s) playing {args.play:.0f} s: steps/s each "
                  f"{', '.join(f'{r:.0f}' for r in rates)}; total {sum(rates):.0f}")
            for p in pages:
                p.context.close()


if __name__ == "__main__":
    main()

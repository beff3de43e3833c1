"""Start the real dashboard server and drive it with the system Chromium (tests and figures)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
# Chromium on a machine with a closed network: no background calls, no sandbox as root.
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


def browser_missing() -> str | None:
    """Why browser work cannot run here, or None when it can."""
    if not os.path.exists(CHROMIUM):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -r requirements-dev.txt)"
    return None


class ServerError(RuntimeError):
    """The dashboard server did not start."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def dashboard_process(timeout: float = 90.0) -> Iterator[tuple[int, int]]:
    """Runs `streamlit run dashboard.py` on a free port of 127.0.0.1; yields (port, pid)."""
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", "dashboard.py",
           "--server.headless", "true", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    # A log file, not a pipe: nobody reads a pipe while the server runs, and a full one
    # would stall it.
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout
            while not _healthy(port):
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    tail = log.read().decode(errors="replace")[-2000:]
                    raise ServerError(f"the dashboard server did not start:\n{tail}")
                time.sleep(0.3)
            yield port, proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


@contextlib.contextmanager
def dashboard_server(timeout: float = 60.0) -> Iterator[str]:
    """The dashboard server's URL while it runs (see dashboard_process)."""
    with dashboard_process(timeout) as (port, _):
        yield f"http://127.0.0.1:{port}"


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser, url: str, width: int = 1500, height: int = 1300):
    """A fresh browser context (its own Streamlit session) on the dashboard, loaded."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url)
    page.get_by_role("button", name="Play").wait_for(timeout=60_000)
    page.errors = errors  # type: ignore[attr-defined]
    return page


def step_metric(page) -> int:
    """The value of the metric labelled Step, as an int."""
    metric = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text="Step")).first
    text = metric.locator('[data-testid="stMetricValue"]').inner_text()
    return int(text.replace(",", "").strip())


def click(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=False).first.click()


_BAR_JS = """([key, n]) => {
  const el = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  const size = el._fullLayout._size, box = el.getBoundingClientRect();
  return [box.left + size.l + el._fullLayout.xaxis.l2p(n), box.top + size.t + size.h / 2];
}"""


def click_bar(page, n: int, key: str = "look_distribution") -> None:
    """Clicks integer n's column on a bar chart, as a hand would: Plotly picks the point the
    pointer hovers, so the pointer moves there first."""
    page.locator(f".st-key-{key}").scroll_into_view_if_needed()
    page.wait_for_function(f"document.querySelector('.st-key-{key} .js-plotly-plot')"
                           "?._fullLayout?.xaxis", timeout=20_000)
    x, y = page.evaluate(_BAR_JS, [key, n])
    page.mouse.move(x, y)
    time.sleep(0.3)
    page.mouse.click(x, y)


def wait_for_step(page, predicate, timeout: float = 20.0) -> int:
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = step_metric(page)
            if predicate(value):
                return value
        except Exception:  # the metric is being redrawn
            pass
        if time.monotonic() > deadline:
            raise TimeoutError("the Step metric did not reach the expected value")
        time.sleep(0.01)


_CLICK_LATENCY_JS = """
(key) => new Promise((resolve, reject) => {
  const value = () => {
    for (const m of document.querySelectorAll('[data-testid="stMetric"]')) {
      const label = m.querySelector('[data-testid="stMetricLabel"]');
      const text = label ? label.innerText.trim() : '';
      if (text === 'Step' || text === 'Passo') {
        return m.querySelector('[data-testid="stMetricValue"]').innerText;
      }
    }
    return null;
  };
  const before = value();
  const button = document.querySelector('.st-key-' + key + ' button');
  if (!button) { reject(new Error('no button ' + key)); return; }
  const start = performance.now();
  const observer = new MutationObserver(() => {
    if (value() !== before) { observer.disconnect(); resolve(performance.now() - start); }
  });
  observer.observe(document.body, {subtree: true, childList: true, characterData: true});
  setTimeout(() => { observer.disconnect(); reject(new Error('no change in 10 s')); }, 10000);
  button.click();
})
"""


def click_to_metric_ms(page, key: str = "btn_step") -> float:
    """Milliseconds from a click on the keyed button until the Step metric's text changes,
    timed inside the page so the driver's own round trips are not counted."""
    return float(page.evaluate(_CLICK_LATENCY_JS, key))

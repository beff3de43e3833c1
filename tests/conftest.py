import pytest
import torch


@pytest.fixture(autouse=True, scope="session")
def _one_thread():
    # Tiny tensors: threads only add scheduling noise.
    torch.set_num_threads(1)


# Streamlit sessions that app tests opened (AppTest): in a real server a closed tab's
# bookings lapse (Runtime.is_active_session); headless, the tests give them back.
OPENED_SESSIONS: list = []


@pytest.fixture(autouse=True)
def _end_app_sessions():
    yield
    if OPENED_SESSIONS:
        from evengan.app.state import scheduler

        for at in OPENED_SESSIONS:
            if "uid" in at.session_state:
                scheduler().stop(at.session_state["uid"])
                scheduler().release(at.session_state["uid"], None)
        OPENED_SESSIONS.clear()


def as_array(value):
    """Plotly data as a NumPy array, whether a list or Plotly's base64 typed-array dict."""
    import base64

    import numpy as np

    if isinstance(value, dict) and "bdata" in value:
        arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        shape = value.get("shape")
        if shape:
            arr = arr.reshape([int(s) for s in str(shape).split(",")])
        return arr
    return np.asarray(value)

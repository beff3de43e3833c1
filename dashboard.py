"""evengan's dashboard: `streamlit run dashboard.py`."""

from evengan.app import render

render()

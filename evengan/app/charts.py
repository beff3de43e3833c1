"""How every chart goes on the page."""

from __future__ import annotations

import streamlit as st

from .text import DECIMAL_COMMA

CHART_CONFIG = {"displayModeBar": False}


def chart(fig, key: str, config: dict | None = None, **events) -> None:
    """A figure on the page, its numbers written the page's way (0,5 in Portuguese);
    `events` are st.plotly_chart's selection arguments (on_select, selection_mode)."""
    if st.session_state.get("lang") in DECIMAL_COMMA:
        fig.layout.separators = ",."
    st.plotly_chart(fig, key=key, config=config or CHART_CONFIG, **events)

"""The Streamlit dashboard; the only part of evengan that imports streamlit."""

from .page import render

__all__ = ["render"]

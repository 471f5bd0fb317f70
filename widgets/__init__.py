"""Reusable Textual widgets, installed as kmstui.widgets."""

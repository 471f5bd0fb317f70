"""Screens of the kmstui app, one per section, and modal dialogs."""

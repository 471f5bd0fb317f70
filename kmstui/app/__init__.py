"""The full-screen Textual app: the App, its stylesheet, command provider and screens.

A top layer beside the CLI, over ``kmstui.widgets``: shows what the core decides and never decides
an authorization itself. May import every core layer.
"""

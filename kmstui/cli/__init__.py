"""The ``kmstui`` command: one module per sub-command, the shared parser pieces, errors and output.

A top layer: may import every core layer; imports the app only to start it (``kmstui`` with no
sub-command), so the sub-commands never load Textual.
"""

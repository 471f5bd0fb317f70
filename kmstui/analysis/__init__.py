"""What is computed over a whole Snapshot: findings (lint rules) and the access matrix.

May import ``kmstui.sources`` (the Snapshot) and everything below it; never the CLI, the app,
Textual or boto3.
"""

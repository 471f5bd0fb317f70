"""The Snapshot and all that produces it: files and saved CLI output, a live account, the cache, the demo.

May import the engine, the policy grammar and the reference; boto3 only in the account loader; never
analysis, the CLI, the app or Textual.
"""

"""Where Snapshots come from: files and saved CLI output, a live account (read-only), the demo, the cache."""

"""Bundled data: the KMS reference (and, later, the demo account). Read with importlib.resources."""

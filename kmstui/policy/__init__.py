"""The IAM policy grammar: documents, statements, conditions, wildcards, principals, line locations.

Parses and validates policy text once into immutable objects that know where they came from.
May import ``kmstui.reference``; never the engine, sources, Textual or boto3.
"""

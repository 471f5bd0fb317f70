"""kmstui: can this principal perform this KMS action on this key, and exactly why (not)?

The package keeps a Textual-free core (reference, fuzzy search, and later the policy model,
evaluation and sources) and a Textual app on top (``kmstui.app``, ``kmstui.screens``,
``kmstui.widgets``). Importing ``kmstui`` imports neither Textual nor boto3.
"""

__version__ = "0.1.0"

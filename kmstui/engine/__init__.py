"""The evaluation: a request and its resolution, context, matching, grants, PolicySet, AWS's order, the trace.

Pure functions from parsed policies to a Decision and its explained trace, with its renderers.
May import ``kmstui.policy`` and ``kmstui.reference``; never sources, Textual or boto3.
"""

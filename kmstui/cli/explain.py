"""``kmstui explain``: one decision with its trace, from policy files. Imports neither Textual nor boto3."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from kmstui.cli.errors import EXIT_BAD_INPUT, EXIT_OK, InputError
from kmstui.outside_text import visible
from kmstui.policy.document import PolicyError
from kmstui.sources.errors import SourceError

EXIT_EXPECT_FAILED = 1


def add_explain_parser(commands: Any) -> None:
    explain = commands.add_parser(
        "explain",
        help="explain whether a principal may perform a KMS action on a key",
        description="Evaluate one request against policy files and print the decision with every step, "
        "in AWS's evaluation order. Policy files may be bare documents or saved `aws kms get-key-policy` / "
        "`aws iam get-policy-version` output.",
    )
    explain.add_argument("--principal", metavar="ARN", help="the caller: user, role session, root, or service principal")
    explain.add_argument("--action", metavar="ACTION", help="a KMS permission, e.g. kms:Decrypt (or kms:ReEncrypt)")
    explain.add_argument("--resource", action="append", metavar="KEY-OR-ALIAS",
                         help="key id or ARN, alias name or ARN, or *; repeat for two-resource operations")
    explain.add_argument("--resource-account", metavar="ID", help="the key's account when the resource does not say it")
    explain.add_argument("--key-policy", action="append", default=[], metavar="[KEY=]FILE",
                         help="the key policy; for two-key operations repeat it as KEY-ID-OR-ARN=FILE")
    explain.add_argument("--identity-policy", action="append", default=[], metavar="FILE", help="an identity policy of the caller (repeatable)")
    explain.add_argument("--boundary", metavar="FILE", help="the caller's permissions boundary")
    explain.add_argument("--session-policy", metavar="FILE", help="the session policy")
    explain.add_argument("--scp", action="append", default=[], metavar="FILE", help="one SCP level, root first: a policy or a JSON list of policies (repeatable)")
    explain.add_argument("--rcp", action="append", default=[], metavar="FILE", help="one RCP level, root first (repeatable)")
    explain.add_argument("--vpce-policy", metavar="FILE", help="the VPC endpoint policy the request came through")
    explain.add_argument("--grants", metavar="FILE", help="`aws kms list-grants` output")
    explain.add_argument("--key-metadata", metavar="FILE", help="`aws kms describe-key` output")
    explain.add_argument("--aliases", metavar="FILE", help="`aws kms list-aliases` output")
    explain.add_argument("--key-tags", metavar="FILE", help="`aws kms list-resource-tags` output or a {key: value} object")
    explain.add_argument("--context", action="append", default=[], metavar="KEY=VALUE", help="a request context value (repeat a key for several values)")
    explain.add_argument("--context-file", metavar="FILE", help="a JSON object of context keys to values")
    explain.add_argument("--no-derive", action="store_true", help="use exactly the given context (to replay a CloudTrail event)")
    explain.add_argument("--format", choices=("text", "markdown", "json"), default="text", help="output format (default text)")
    explain.add_argument("--expect", choices=("allow", "deny"), help="exit 1 unless the decision is this")
    from kmstui.cli.replay import add_denial_arguments
    from kmstui.cli.sources import add_source_arguments

    add_denial_arguments(explain)
    add_source_arguments(explain)


def evaluate_with_warnings(request: Any, policies: Any) -> Any:
    """The explained decision, with each policy's warnings (legal but suspicious content) on standard error."""
    from kmstui.engine.order import evaluate

    decision = evaluate(request, policies)
    for policy in policies.policies():
        for warning in policy.warnings:
            print(f"kmstui: warning: {visible(warning)}", file=sys.stderr)
    return decision


def run_explain(args: argparse.Namespace, out: TextIO) -> int:
    from kmstui.cli.replay import run_explain_denial, wants_denial

    if wants_denial(args):
        return run_explain_denial(args, out)
    missing = [f"--{name}" for name in ("principal", "action", "resource") if not getattr(args, name)]
    if missing:
        print(f"kmstui explain: error: the following arguments are required: {', '.join(missing)} "
              "(or start from the denial: --cloudtrail FILE or --error MESSAGE)", file=sys.stderr)
        return EXIT_BAD_INPUT
    from kmstui.engine.order import RequestError
    from kmstui.engine.render import render_json, render_markdown, render_text

    from kmstui.cli.sources import wants_snapshot
    from kmstui.sources.snapshot import SnapshotError

    try:
        if wants_snapshot(args):
            request, policies = _from_snapshot(args)
        else:
            request, policies = _from_files(args)
        decision = evaluate_with_warnings(request, policies)
    except (PolicyError, RequestError, InputError, SourceError, SnapshotError) as error:
        print(f"kmstui: error: {visible(error)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.format == "json":
        out.write(render_json(decision) + "\n")
    elif args.format == "markdown":
        out.write(render_markdown(decision))
    else:
        out.write(render_text(decision, color=out.isatty()))
    if args.expect and (args.expect == "allow") != decision.allowed:
        print(f"kmstui: expected {args.expect}, got {decision.result}", file=sys.stderr)
        return EXIT_EXPECT_FAILED
    return EXIT_OK


_FILE_OPTIONS = ("key_policy", "identity_policy", "boundary", "session_policy", "scp", "rcp", "vpce_policy", "grants",
                 "key_metadata", "aliases", "key_tags")


def _from_snapshot(args: argparse.Namespace) -> tuple[Any, Any]:
    """Principal, action and resources by name, id or alias, against a loaded Snapshot."""
    from kmstui.cli.sources import load_snapshot, max_bytes_of

    given = [f"--{name.replace('_', '-')}" for name in _FILE_OPTIONS if getattr(args, name)]
    if given:
        raise InputError(f"{', '.join(given)} cannot be combined with a snapshot, the demo or an account")
    snapshot = load_snapshot(args)
    context = _context(args.context, args.context_file, _Files(max_bytes_of(args)))
    return snapshot.question(args.principal, args.action, args.resource, context, not args.no_derive)


def _from_files(args: argparse.Namespace) -> tuple[Any, Any]:
    from kmstui.cli.sources import max_bytes_of
    from kmstui.engine.order import PolicySet, Request
    from kmstui.engine.key_data import parse_aliases, parse_grants, parse_metadata, parse_tags

    files = _Files(max_bytes_of(args))
    policies = PolicySet(
        key_policy=files.key_policies(args.key_policy),
        identity=[files.policy(p, "identity") for p in args.identity_policy],
        boundary=files.policy(args.boundary, "boundary"),
        session=files.policy(args.session_policy, "session"),
        scps=[files.level(p, "scp") for p in args.scp],
        rcps=[files.level(p, "rcp") for p in args.rcp],
        vpc_endpoint=[files.policy(args.vpce_policy, "vpc_endpoint")] if args.vpce_policy else [],
        grants=files.data(args.grants, parse_grants) or [],
        key_metadata=files.data(args.key_metadata, parse_metadata),
        key_tags=files.data(args.key_tags, parse_tags),
        aliases=files.data(args.aliases, parse_aliases),
    )
    context = _context(args.context, args.context_file, files)
    resource = args.resource[0] if len(args.resource) == 1 else args.resource
    return Request(args.principal, args.action, resource, args.resource_account, context, not args.no_derive), policies


class _Files:
    """The explain command's input files, each read once through the one reader (with its size limit)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes

    def text(self, path: str) -> str:
        from kmstui.sources.reader import read_text

        return read_text(path, self.max_bytes)

    def json(self, path: str) -> Any:
        from kmstui.sources.reader import read_json

        return read_json(path, self.max_bytes)[1]

    def data(self, path: str | None, parse: Any) -> Any:
        """A file of saved CLI output checked by ``parse`` (errors name the file and the element)."""
        return None if path is None else parse(self.json(path), source=path)

    def policy(self, path: str | None, kind: str) -> Any:
        """A policy file parsed with its own name, so errors name the file and line."""
        if path is None:
            return None
        from kmstui.policy.document import parse_policy

        return parse_policy(self.text(path), kind, source=path)

    def key_policies(self, values: list[str]) -> Any:
        """One key policy for every key, or ``KEY=FILE`` pairs for operations on two keys."""
        if not values:
            return None
        pairs = [value.split("=", 1) if "=" in value and not Path(value).exists() else (None, value) for value in values]
        if len(pairs) == 1 and pairs[0][0] is None:
            return self.policy(pairs[0][1], "key_policy")
        if any(key is None for key, _ in pairs):
            raise InputError("with several --key-policy options, give each as KEY-ID-OR-ARN=FILE")
        return {key: self.policy(path, "key_policy") for key, path in pairs}

    def level(self, path: str, kind: str) -> list[Any]:
        """One SCP/RCP level: a policy, or a JSON list of policies."""
        from kmstui.policy.document import parse_policy
        from kmstui.sources.reader import parse_json

        text = self.text(path)
        data = parse_json(text, path)
        if isinstance(data, list):
            return [parse_policy(item, kind, source=f"{path} [{index + 1}]") for index, item in enumerate(data)]
        return [parse_policy(text, kind, source=path)]


def _context(pairs: list[str], path: str | None, files: _Files) -> dict[str, Any]:
    context: dict[str, Any] = {}
    if path:
        data = files.json(path)
        if not isinstance(data, dict):
            raise InputError(f"{path}: the context file must be a JSON object of keys to values")
        for key, value in data.items():
            items = value if isinstance(value, list) else [value]
            if not all(isinstance(item, (str, int, float, bool)) for item in items):
                raise InputError(f"{path}: {key}: a context value is a string, number or boolean, or a list of them")
        context.update(data)
    from_file = set(context)
    for pair in pairs:
        if "=" not in pair:
            raise InputError(f"--context {pair!r}: expected KEY=VALUE")
        key, value = (part.strip() for part in pair.split("=", 1))
        if key in context and key not in from_file:  # a repeated --context key: several values
            existing = context[key]
            context[key] = (existing if isinstance(existing, list) else [existing]) + [value]
        else:
            context[key] = value
    return context

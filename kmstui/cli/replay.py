"""Starting from the denial: ``kmstui explain --cloudtrail/--error`` and ``kmstui replay``.

``explain --cloudtrail FILE [--event-id ID]`` decides the request a CloudTrail event records, with
its context, and sets CloudTrail's outcome beside the verdict. ``explain --error TEXT`` fills the
request from an AccessDenied message and compares the kind of policy AWS names with kmstui's.
``replay FILE`` (or ``--lookup-events`` from a live account) decides every KMS event of a log, one
line each, then the counts; with ``--key-policy KEY=FILE`` it lists every call the edited key policy
would stop or start. Imports neither Textual nor boto3 (except to read a live account's events).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any, TextIO

from kmstui.cli.errors import EXIT_BAD_INPUT, EXIT_OK, InputError
from kmstui.outside_text import visible

EXIT_DISAGREES = 1


# -- explain --cloudtrail / --error -------------------------------------------------------------

def add_denial_arguments(explain: argparse.ArgumentParser) -> None:
    group = explain.add_argument_group("start from the denial (instead of --principal/--action/--resource)")
    group.add_argument("--cloudtrail", metavar="FILE",
                       help="a CloudTrail event, log file (also .gz), lookup-events output or JSON lines")
    group.add_argument("--event-id", metavar="ID", help="the event to explain when FILE holds several KMS events")
    group.add_argument("--error", metavar="MESSAGE", help="an AccessDenied (or other KMS) error message")


def wants_denial(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "cloudtrail", None) or getattr(args, "error", None))


def pick_event(log: Any, event_id: str | None, path: str) -> Any:
    from kmstui.sources.cloudtrail import CloudTrailError

    if event_id:
        return log.find(event_id)
    if len(log.events) == 1:
        return log.events[0]
    if not log.events:
        skipped = "; ".join(f"{s.id} {s.name}: {s.reason}" for s in log.skipped[:5])
        raise CloudTrailError(f"{path}: no KMS event kmstui can evaluate" + (f" ({skipped})" if skipped else ""))
    raise CloudTrailError(f"{path} holds {len(log.events)} KMS events; pick one with --event-id: {log.listing()}")


def run_explain_denial(args: argparse.Namespace, out: TextIO) -> int:
    """``kmstui explain --cloudtrail FILE`` or ``--error MESSAGE``."""
    from kmstui.engine.order import RequestError
    from kmstui.policy.document import PolicyError
    from kmstui.sources.errors import SourceError
    from kmstui.sources.snapshot import SnapshotError

    from kmstui.cli.explain import EXIT_EXPECT_FAILED, evaluate_with_warnings

    try:
        if args.cloudtrail and args.error:
            raise InputError("give --cloudtrail or --error, not both")
        if args.cloudtrail:
            event, request, policies, created = _event_request(args)
            message = None
        else:
            event = None
            message, request, policies, created = _message_request(args)
            if request is None:  # a KMS message that names no request: the causes are the answer
                out.write(_message_only(message))
                return EXIT_OK
        decision = evaluate_with_warnings(request, policies)
    except (PolicyError, RequestError, InputError, SourceError, SnapshotError) as error:
        print(f"kmstui: error: {visible(error)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    from kmstui.analysis.replay import compare_event, compare_message, event_dict
    from kmstui.engine.render import render_markdown, render_text
    from kmstui.engine.trace import decision_to_dict

    comparison = compare_event(event, decision, policies, created) if event is not None else None
    message_result = compare_message(message, decision) if message is not None else None
    if args.format == "json":
        data = decision_to_dict(decision)
        if event is not None:
            data["event"] = event_dict(event, comparison)
        if message is not None:
            data["error_message"] = _message_dict(message, message_result)
        out.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    else:
        header = _event_header(event, comparison, decision) if event is not None else _message_header(message, message_result)
        if args.format == "markdown":
            out.write("".join(f"> {line}\n" if line else ">\n" for line in header.splitlines()) + "\n")
            out.write(render_markdown(decision))
        else:
            out.write(header)
            out.write(render_text(decision, color=out.isatty()))
    if args.expect and (args.expect == "allow") != decision.allowed:
        print(f"kmstui: expected {args.expect}, got {decision.result}", file=sys.stderr)
        return EXIT_EXPECT_FAILED
    return EXIT_OK


def _snapshot_or_none(args: argparse.Namespace) -> Any:
    from kmstui.cli.sources import load_snapshot, wants_snapshot

    return load_snapshot(args) if wants_snapshot(args) else None


def _with_user_context(args: argparse.Namespace, context: Any) -> Any:
    """The event's context with --context / --context-file values on top (marked as given by you)."""
    from kmstui.cli.explain import _context, _Files
    from kmstui.cli.sources import max_bytes_of
    from kmstui.engine.context import SourcedContext

    mine = _context(args.context, args.context_file, _Files(max_bytes_of(args)))
    merged = SourcedContext(context, getattr(context, "sources", {}))
    for key, value in mine.items():
        merged[key] = value
        merged.sources[key] = "given on the command line"
    return merged


def _event_request(args: argparse.Namespace) -> tuple[Any, Any, Any, str | None]:
    from dataclasses import replace

    from kmstui.cli.explain import _FILE_OPTIONS, _from_files
    from kmstui.cli.sources import max_bytes_of
    from kmstui.sources.cloudtrail import load_events

    log = load_events(args.cloudtrail, max_bytes_of(args))
    event = pick_event(log, args.event_id, args.cloudtrail)
    snapshot = _snapshot_or_none(args)
    if snapshot is not None:
        given = [f"--{name.replace('_', '-')}" for name in _FILE_OPTIONS if getattr(args, name)]
        if given:
            raise InputError(f"{', '.join(given)} cannot be combined with a snapshot, the demo or an account")
        request, policies = snapshot.question(event.principal, event.action, list(event.resources), None, not args.no_derive)
        created = snapshot.created
    else:
        args.principal, args.action = event.principal, event.action
        args.resource, args.resource_account = list(event.resources), event.resource_account
        request, policies = _from_files(args)
        created = None
    return event, replace(request, context=_with_user_context(args, event.sourced_context())), policies, created


def _message_request(args: argparse.Namespace) -> tuple[Any, Any, Any, str | None]:
    from dataclasses import replace

    from kmstui.cli.explain import _from_files
    from kmstui.sources.denial_message import parse_denial_message

    message = parse_denial_message(args.error)
    principal = args.principal or message.principal
    action = args.action or message.action
    resources = args.resource or ([message.resource] if message.resource else None)
    if not (principal and action and resources):
        if message.causes:
            return message, None, None, None
        missing = [name for name, value in (("--principal", principal), ("--action", action), ("--resource", resources)) if not value]
        raise InputError(f"the message does not say {' or '.join(missing)}; give {' and '.join(missing)}")
    snapshot = _snapshot_or_none(args)
    if snapshot is not None:
        request, policies = snapshot.question(principal, action, list(resources), None, not args.no_derive)
        created = snapshot.created
    else:
        args.principal, args.action, args.resource = principal, action, list(resources)
        request, policies = _from_files(args)
        created = None
    return message, replace(request, context=_with_user_context(args, {})), policies, created


def _event_header(event: Any, comparison: Any, decision: Any) -> str:
    verdict = "agree" if comparison.agrees else "DISAGREE"
    lines = [f"CloudTrail event {visible(event.id)}  {visible(event.time)}  {visible(event.name)} by "
             f"{visible(event.principal)} ({visible(event.identity_type)})",
             f"CloudTrail: {_outcome_word(event)}  ·  kmstui: {decision.result}  ·  {verdict}",
             f"  {visible(comparison.note)}."]
    if comparison.message is not None:
        lines.append(f"  AWS's message: {visible(comparison.message_note)}.")
    if comparison.could_not_see:
        lines.append("  What kmstui could not see that would explain it:")
        lines += [f"   - {visible(item)}" for item in comparison.could_not_see]
    if event.context:
        lines.append("Context from CloudTrail:")
        width = max(len(k) for k in event.context)
        for key, value in event.context.items():
            shown = ", ".join(value) if isinstance(value, list) else value
            lines.append(f"  {visible(key):<{width}}  {visible(shown)}   ({visible(event.sources.get(key, '').removeprefix('from CloudTrail: '))})")
    for note in event.notes:
        lines.append(f"  CloudTrail does not record: {visible(note)}")
    return "\n".join(lines) + "\n\n"


def _outcome_word(event: Any) -> str:
    if event.outcome == "allowed":
        return "allowed"
    return f"{event.outcome} ({visible(event.error_code)})"


def _message_header(message: Any, result: tuple[bool, str]) -> str:
    agrees, note = result
    lines = [f"AWS's message: {visible(message.claim())}",
             f"kmstui: {'agrees' if agrees else 'DISAGREES'}: {visible(note)}."]
    if message.causes:
        lines.append("What KMS's message can mean, to check in this order:")
        lines += [f"  {number}. {cause}" for number, cause in enumerate(message.causes, 1)]
    return "\n".join(lines) + "\n\n"


def _message_only(message: Any) -> str:
    code = f" ({visible(message.error_code)})" if message.error_code else ""
    lines = [f"KMS's message{code} names no principal and key, so there is no request to decide; "
             "give --principal, --action and --resource to decide one.",
             "What it can mean, to check in this order:"]
    lines += [f"  {number}. {cause}" for number, cause in enumerate(message.causes, 1)]
    return "\n".join(lines) + "\n"


def _message_dict(message: Any, result: tuple[bool, str]) -> dict[str, Any]:
    return {"principal": message.principal, "action": message.action, "resource": message.resource,
            "denial": message.denial, "policy_kind": message.policy_kind, "policy_arn": message.policy_arn,
            "error_code": message.error_code, "claim": message.claim(), "agrees": result[0], "note": result[1],
            "causes": list(message.causes)}


# -- replay ------------------------------------------------------------------------------------

def add_replay_parser(commands: Any) -> None:
    from kmstui.cli.sources import add_source_arguments

    replay = commands.add_parser(
        "replay",
        help="decide every KMS event of a CloudTrail log and compare with what CloudTrail recorded",
        description="Every KMS event of FILE (a CloudTrail log file, also .gz, lookup-events output, JSON lines "
        "or one event), one line each: time, principal, action, key, CloudTrail's outcome, kmstui's verdict, "
        "agree or not, and the deciding statement or the smallest change; then the counts. Exit 1 when any "
        "event disagrees. With --key-policy KEY=FILE: every call the edited key policy would stop or start "
        "(exit 1 when there is one).",
    )
    replay.add_argument("file", nargs="?", metavar="FILE", help="the CloudTrail events (or --lookup-events)")
    replay.add_argument("--lookup-events", action="store_true",
                        help="read recent KMS events from the account with CloudTrail LookupEvents (with --profile)")
    replay.add_argument("--since", default="24h", metavar="AGE", help="with --lookup-events: how far back (e.g. 90m, 24h, 7d)")
    replay.add_argument("--key-policy", action="append", default=[], metavar="KEY=FILE",
                        help="replace the key policy of KEY (id, ARN or alias) with FILE and list what changes (repeatable)")
    replay.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    replay.add_argument("--denied-only", action="store_true",
                        help="list only the events CloudTrail or kmstui denies (the counts cover every event)")
    replay.add_argument("--no-derive", action="store_true", help="use exactly the context the events record")
    add_source_arguments(replay)


def parse_age(text: str) -> float:
    """``90m``, ``24h``, ``7d`` (or seconds) as seconds."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    value = text.strip().lower()
    try:
        if value and value[-1] in units:
            seconds = float(value[:-1]) * units[value[-1]]
        else:
            seconds = float(value)
    except ValueError:
        raise InputError(f"--since {text!r}: expected an age such as 90m, 24h or 7d") from None
    if seconds <= 0:
        raise InputError("--since must be above 0")
    return seconds


def run_replay(args: argparse.Namespace, out: TextIO, err: TextIO | None = None) -> int:
    err = err or sys.stderr
    from kmstui.cli.sources import load_snapshot, max_bytes_of, wants_account, wants_snapshot
    from kmstui.policy.document import PolicyError
    from kmstui.sources.errors import SourceError
    from kmstui.sources.snapshot import SnapshotError

    started = time.perf_counter()
    try:
        if bool(args.file) == bool(args.lookup_events):
            raise InputError("give FILE or --lookup-events (with --profile), one of them")
        if not wants_snapshot(args):
            raise InputError("say which policies to replay against: --snapshot PATH, --demo or --profile/--region")
        if args.lookup_events:
            if not wants_account(args):
                raise InputError("--lookup-events reads a live account: give --profile (and --region)")
            log = _lookup(args, err)
        else:
            from kmstui.sources.cloudtrail import load_events

            log = load_events(args.file, max_bytes_of(args))
        if args.lookup_events and (args.snapshot or args.demo):  # the account's events against saved policies
            snapshot = load_snapshot(argparse.Namespace(**{**vars(args), "profile": None, "region": [],
                                                             "endpoint_url": None}), err)
        else:
            snapshot = load_snapshot(args, err)
        edited = _edited(snapshot, args.key_policy, max_bytes_of(args)) if args.key_policy else None
        rows, after = _run(snapshot, edited, log.events, not args.no_derive, err)
    except (PolicyError, InputError, SourceError, SnapshotError) as error:
        print(f"kmstui: error: {visible(error)}", file=err)
        return EXIT_BAD_INPUT
    from kmstui.analysis.replay import changes, counts, row_dict

    seconds = time.perf_counter() - started
    shown_rows = after if after is not None else rows
    found = counts(shown_rows)
    found["skipped"] = len(log.skipped)
    found["other_events"] = log.other_events
    changed = changes(rows, after) if after is not None else []
    if after is not None:
        found["would_stop_working"] = sum(1 for c in changed if c.direction == "stops working")
        found["would_start_working"] = sum(1 for c in changed if c.direction == "starts working")
        found["would_change"] = len(changed)
    listed = [r for r in shown_rows if not args.denied_only or r.event.outcome == "denied"
              or (r.result is not None and r.result != "Allowed")]
    if args.format == "json":
        data: dict[str, Any] = {"events": [row_dict(r) for r in listed], "counts": found,
                                "skipped": [{"id": s.id, "name": s.name, "reason": s.reason} for s in log.skipped],
                                "seconds": round(seconds, 3)}
        if after is not None:
            data["changes"] = [{"id": c.after.event.id, "time": c.after.event.time, "principal": c.after.event.principal,
                                "action": c.after.event.action, "resources": list(c.after.event.resources),
                                "outcome": c.after.event.outcome, "before": c.before.result, "after": c.after.result,
                                "direction": c.direction, "summary": c.after.summary} for c in changed]
        out.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    else:
        for row in listed:
            out.write(_line(row) + "\n")
        if after is not None:
            out.write(f"\nWith the edited key policy ({', '.join(visible(p) for p in args.key_policy)}):\n")
            for change in changed:
                event = change.after.event
                out.write(f"  {change.direction}: {visible(event.time)}  {_who(event)}  {visible(event.action)}  "
                          f"{_keys(event)}  ({change.before.result} → {change.after.result}; CloudTrail {event.outcome})  "
                          f"{visible(change.after.summary)}\n")
            if not changed:
                out.write("  no call changes\n")
        out.write(_counts_line(found, seconds) + "\n")
    if after is not None:
        return EXIT_DISAGREES if changed else EXIT_OK
    return EXIT_DISAGREES if found["disagree"] else EXIT_OK


def _edited(snapshot: Any, pairs: list[str], max_bytes: int) -> Any:
    from kmstui.analysis.replay import with_key_policies
    from kmstui.policy.document import parse_policy
    from kmstui.sources.reader import read_text

    texts = {}
    for pair in pairs:
        if "=" not in pair:
            raise InputError(f"--key-policy {pair!r}: expected KEY=FILE (the key by id, ARN or alias)")
        key, path = pair.split("=", 1)
        text = read_text(path, max_bytes)
        policy = parse_policy(text, "key_policy", source=path)  # errors name the file and line
        snapshot.find_key(key)
        texts[key] = policy.text if policy.text is not None else text
    return with_key_policies(snapshot, texts)


def _run(snapshot: Any, edited: Any, events: list[Any], derive: bool, err: TextIO) -> tuple[list[Any], list[Any] | None]:
    from kmstui.analysis.replay import Replayer

    def replay(target: Any, label: str) -> list[Any]:
        replayer = Replayer(target, derive)
        if not err.isatty() or len(events) < 5000:
            return replayer.replay(events)
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=Console(file=err), transient=True) as progress:
            task = progress.add_task(label, total=len(events))
            return replayer.replay(events, lambda done, total: progress.update(task, completed=done))

    rows = replay(snapshot, "replaying")
    return rows, (replay(edited, "replaying with the edited policy") if edited is not None else None)


def _who(event: Any) -> str:
    principal = event.principal
    if principal.startswith("arn:"):
        parts = principal.split(":", 5)
        return visible(f"{parts[4]}:{parts[5]}")
    return visible(principal)


def _keys(event: Any) -> str:
    return ",".join(visible(r.rsplit("/", 1)[-1] if ":key/" in r else r) for r in event.resources)


def _line(row: Any) -> str:
    event = row.event
    outcome = "allowed" if event.outcome == "allowed" else f"{event.outcome}({event.error_code})"
    if row.result is None:
        verdict, agree = "-", "not evaluated"
    else:
        verdict, agree = row.result, "agree" if row.agrees else "DISAGREE"
    return (f"{visible(event.time)}  {_who(event)}  {visible(event.action)}  {_keys(event)}  CloudTrail {visible(outcome)}  "
            f"kmstui {verdict}  {agree}  {visible(row.summary)}")


def _counts_line(found: dict[str, int], seconds: float) -> str:
    verdicts = ", ".join(f"{found[k]} {k}" for k in ("Allowed", "ExplicitlyDenied", "ImplicitlyDenied", "RejectedByKMS") if found.get(k))
    text = (f"{found['events']} KMS events: {found['agree']} agree, {found['disagree']} disagree, "
            f"{found['not_evaluated']} not evaluated; CloudTrail {found['cloudtrail_denied']} denied, "
            f"{found['cloudtrail_allowed']} allowed, {found['cloudtrail_failed']} failed; kmstui {verdicts or 'none'}; "
            f"{found['skipped']} KMS events skipped, {found['other_events']} other events")
    if "would_change" in found:
        text += f"; the edit: {found['would_stop_working']} would stop working, {found['would_start_working']} would start working"
    return text + f"; {seconds:.2f} s"


def _lookup(args: argparse.Namespace, err: TextIO) -> Any:
    from kmstui.cli.sources import account_limits
    from kmstui.sources.cloudtrail_lookup import lookup_kms_events

    region = args.region[0] if args.region else None
    return lookup_kms_events(args.profile, region, args.endpoint_url, parse_age(args.since), limits=account_limits(args))

"""A decision as rich text (terminals), Markdown, or JSON: the same facts in each."""

from __future__ import annotations

from typing import Iterable

from kmstui.engine.trace import (ALLOWED, EXPLICITLY_DENIED, IMPLICITLY_DENIED, REJECTED, Decision, Evidence, GrantEvidence,
                                 Step, decision_to_dict)
from kmstui.outside_text import json_text, outside_text, visible
from kmstui.policy.conditions import describe_values

OUTCOME_MARKS = {"pass": "✓", "allow": "✓", "fail": "✗", "deny": "✗", "skip": "–", "info": "·"}
RESULT_STYLES = {ALLOWED: "bold green", EXPLICITLY_DENIED: "bold red", IMPLICITLY_DENIED: "bold yellow", REJECTED: "bold magenta"}


def render_json(decision: Decision) -> str:
    return json_text(decision_to_dict(decision))


def render_markdown(decision: Decision) -> str:
    trace = decision.trace
    lines = [f"# {decision.result}", "", decision.summary, ""]
    lines += [f"- **Principal**: `{trace.principal}`", f"- **Action**: `{trace.action}`",
              "- **Resource**: " + ", ".join(f"`{r}`" for r in trace.resources)]
    if decision.rejected:
        lines.append(f"- **Refused by KMS**: {decision.rejected}")
    if decision.suggestion:
        lines.append(f"- **Smallest change**: {decision.suggestion}")
    for hint in decision.if_known:
        lines.append(f"- **Unknown context**: {hint}")
    for note in decision.missing:
        lines.append(f"- **Missing data** (the answer may differ): {note}")
    lines += ["", "## Context", "", "| key | values | provenance |", "|---|---|---|"]
    lines += [f"| `{c.key}` | {', '.join(c.values)} | {c.provenance} |" for c in trace.context]
    lines += ["", "## Steps", ""]
    for step in trace.resolve:
        lines.append(_markdown_step(step, 0))
    for part in trace.parts:
        if len(trace.parts) > 1:
            lines += ["", f"### Part `{part.part}`: {part.action} on `{part.resource}` → {part.result}", ""]
        number = 0
        for step in part.steps:
            number += 1
            lines.append(_markdown_step(step, number))
            for evidence in step.evidence if step.phase != "decision" else ():
                lines += [f"    {line}" for line in _evidence_lines(evidence)]
    return visible("\n".join(lines) + "\n", keep_lines=True)  # names, Sids, tags from outside: controls spelled out


def _markdown_step(step: Step, number: int) -> str:
    return f"{number}. {OUTCOME_MARKS.get(step.outcome, '·')} **{step.check}** ({step.phase}): {step.explanation}"


def _evidence_lines(evidence: Evidence) -> Iterable[str]:
    if isinstance(evidence, GrantEvidence):
        yield (f"- {evidence.where}: grantee {evidence.grantee}; operations {', '.join(evidence.operations)}; "
               f"constraints {evidence.constraints}; {'matches' if evidence.matched else 'does not match'}: {evidence.reason}")
        return
    yield f"- {evidence.where}: {evidence.effect}"
    yield f"  - Action: {evidence.action}"
    if evidence.resource:
        yield f"  - Resource: {evidence.resource}"
    if evidence.principal:
        yield f"  - Principal: {evidence.principal}"
    for c in evidence.conditions:
        mark = "✓" if c.result else "✗"
        note = f" ({c.note})" if c.note else ""
        yield (f"  - Condition {mark} {c.operator} {c.key}: request {describe_values(c.request_values)} [{c.provenance}] "
               f"vs policy {', '.join(c.policy_values)}{note}")


def render_rich(decision: Decision):
    """A rich renderable: verdict, summary, smallest change, the steps with evidence, the context."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    trace = decision.trace
    header = Text()
    header.append(decision.result, style=RESULT_STYLES.get(decision.result, "bold"))
    header.append(visible(f"  {trace.principal} → {trace.action} on {', '.join(trace.resources)}"))
    items: list = [header, Text(visible(decision.summary))]
    if decision.rejected and decision.result != REJECTED:
        items.append(Text.assemble(("KMS would refuse it anyway: ", "bold"), visible(decision.rejected)))
    if decision.suggestion:
        items.append(Text.assemble(("Smallest change: ", "bold"), visible(decision.suggestion)))
    for hint in decision.if_known:
        items.append(Text.assemble(("Unknown context: ", "bold"), visible(hint)))
    for note in decision.missing:
        items.append(Text.assemble(("Missing data (the answer may differ): ", "bold"), visible(note)))
    items.append(_rich_steps(trace.resolve, None))
    for part in trace.parts:
        if len(trace.parts) > 1:
            items.append(Text.assemble(("\nPart ", "bold"), (part.part, "bold"), visible(f": {part.action} on {part.resource} → "),
                                       (part.result, RESULT_STYLES.get(part.result, "bold"))))
        items.append(_rich_steps(part.steps, part))
    table = Table("key", "values", "provenance", title="Request context", title_justify="left", box=None)
    for entry in trace.context:
        table.add_row(outside_text(entry.key), outside_text(", ".join(entry.values)), entry.provenance)
    items.append(table)
    return Group(*items)


def _rich_steps(steps, part):
    """Steps as a grid, so wrapped explanations keep their indent."""
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 1))
    grid.add_column(justify="right", no_wrap=True)
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1)
    for number, step in enumerate(steps, 1):
        style = {"pass": "green", "allow": "green", "fail": "red", "deny": "red"}.get(step.outcome, "")
        body = Text()
        body.append(step.check, style="bold")
        body.append(f"  [{step.phase}]\n" + visible(step.explanation))
        if step.phase != "decision":  # the decision names the door; the step before shows its evidence
            for evidence in step.evidence:
                body.append("\n" + "\n".join(visible(line) for line in _evidence_lines(evidence)), style="dim")
        grid.add_row(f"{number}." if part is not None else "", Text(OUTCOME_MARKS.get(step.outcome, "·"), style=style), body)
    return grid


def render_text(decision: Decision, width: int = 120, color: bool = False) -> str:
    """Plain or coloured text via rich (for the CLI)."""
    from rich.console import Console

    console = Console(width=width, record=True, color_system="standard" if color else None,
                      force_terminal=color, highlight=False)
    with console.capture() as capture:
        console.print(render_rich(decision))
    return "\n".join(line.rstrip() for line in capture.get().splitlines()) + "\n"


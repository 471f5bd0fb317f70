"""Widgets that show a Decision: the verdict banner, the step list, a step's evidence, a policy's text.

They render what the engine decided; none of them decides anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rich.syntax import Syntax
from rich.text import Text
from textual.binding import Binding
from textual.content import Content
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from kmstui.outside_text import outside_text, visible
from kmstui.policy.conditions import describe_values
from kmstui.engine.trace import ALLOWED, EXPLICITLY_DENIED, Decision, GrantEvidence, StatementEvidence, Step
from kmstui.widgets.lists import ListOptions

OUTCOME_STYLES = {"pass": "$success", "allow": "$success", "fail": "$error", "deny": "$error"}
MARKS = {"pass": "✓", "allow": "✓", "fail": "✗", "deny": "✗", "skip": "–", "info": "·"}
RESULT_WORDS = {ALLOWED: "ALLOWED", EXPLICITLY_DENIED: "EXPLICITLY DENIED", "ImplicitlyDenied": "IMPLICITLY DENIED",
                "RejectedByKMS": "REJECTED BY KMS"}


_ARN = re.compile(r"arn:aws[a-z-]*:(?:kms|iam|sts):[a-z0-9-]*:(\d{12}):([\w+=@/-]+(?:\.[\w+=@/-]+)*)")


def shorten_arns(text: str, account: str | None) -> str:
    """ARNs of ``account`` (the key's) shortened to what distinguishes them: ``key/1234…``, ``user/alice``."""
    if not account:
        return text
    return _ARN.sub(lambda m: m.group(2) if m.group(1) == account else m.group(0), text)


@dataclass(frozen=True)
class Recorded:
    """What AWS recorded for the request (CloudTrail's outcome, or what an error message says), to set beside
    the verdict. The screen compares (``kmstui.analysis.replay``); the banner only shows."""

    label: str  # "CloudTrail: denied (AccessDenied)", "AWS's message: no identity-based policy allows it"
    agrees: bool | None
    note: str = ""
    could_not_see: tuple[str, ...] = ()


class VerdictBanner(Static):
    """The decision in one glance: the verdict, the door or the blocker, the smallest change.

    Every line wraps (nothing is cut off); ARNs of the key's own account are shortened to their
    resource part unless ``full`` is set (the Trace's `v` key)."""

    full = False
    _last: tuple = (None, None, "", None, None)

    def toggle_full(self) -> None:
        self.full = not self.full
        self.show(*self._last)

    def show(self, decision: Decision | None, before: Decision | None = None, note: str = "",
             account: str | None = None, recorded: Recorded | None = None) -> None:
        self._last = (decision, before, note, account, recorded)
        short = (lambda text: text) if self.full else (lambda text: shorten_arns(text, account))
        self.remove_class("-allowed", "-explicit", "-implicit")
        if decision is None:
            text = visible(note, keep_lines=True) or "Choose a principal (i), an action (a) and a key (r)."
            if recorded is not None:
                self.update(Content.assemble((visible(recorded.label), "bold"), f"\n{text}"))
            else:
                self.update(Content(text))
            return
        self.add_class({ALLOWED: "-allowed", EXPLICITLY_DENIED: "-explicit"}.get(decision.result, "-implicit"))
        parts: list = []
        if recorded is not None:
            parts += _recorded_parts(recorded, decision, short)
        if before is not None and before.result != decision.result:
            parts.append((f"{RESULT_WORDS[before.result]} → ", "bold"))
        summary = decision.summary
        for prefix in ("Implicitly denied: ", "Explicitly denied: ", "Allowed: "):
            summary = summary.removeprefix(prefix)
        parts += [(RESULT_WORDS.get(decision.result, decision.result), "bold"), f"  {short(visible(summary))}"]
        if decision.suggestion:
            parts += [("\nSmallest change: ", "bold"), short(visible(decision.suggestion))]
        for hint in decision.if_known:
            parts += [("\nUnknown context: ", "bold"), short(visible(hint))]
        for missing in decision.missing:
            parts += [("\nMissing data: ", "bold"), short(visible(missing))]
        if note:
            parts.append((f"\n{visible(note)}", "italic"))
        self.update(Content.assemble(*parts))


def _recorded_parts(recorded: Recorded, decision: Decision, short) -> list:
    """``CloudTrail: denied (AccessDenied)  ·  kmstui: IMPLICITLY DENIED  ·  agree``, then why, on its own lines."""
    verdict = RESULT_WORDS.get(decision.result, decision.result)
    agreement = {True: ("agree", "bold $success"), False: ("DISAGREE", "bold $error")}.get(recorded.agrees, ("-", ""))
    parts: list = [(short(visible(recorded.label)), "bold"), "  ·  kmstui: ", (verdict, "bold"), "  ·  ", agreement]
    if recorded.note:
        parts.append((f"\n{short(visible(recorded.note))}", "$text-muted"))
    if recorded.could_not_see:
        shown = "; ".join(recorded.could_not_see[:2])
        more = f" (+{len(recorded.could_not_see) - 2} more)" if len(recorded.could_not_see) > 2 else ""
        parts += [("\nCould not see: ", "bold"), short(visible(shown)) + more]
    parts.append("\n")
    return parts


@dataclass(frozen=True)
class StepRef:
    """A step and the part it belongs to (None for the resolve step)."""

    step: Step
    part: str | None
    changed: bool = False


class StepList(ListOptions):
    """The steps in AWS's order, parts separated; posts :class:`StepList.Chosen` as the user moves.
    j/k (and g/G) move as in every list; n/p too."""

    BINDINGS = [
        Binding("n", "cursor_down", "Next step", tooltip="Highlight the next step", id="next-step"),
        Binding("p", "cursor_up", "Previous step", tooltip="Highlight the previous step", id="previous-step"),
    ]

    @dataclass
    class Chosen(Message):
        ref: StepRef

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.refs: list[StepRef | None] = []

    def show(self, decision: Decision, changed: set[tuple[str | None, int]] | None = None) -> None:
        self.clear_options()
        self.refs = []
        options: list[Option] = []
        for step in decision.trace.resolve:
            options.append(self._option(StepRef(step, None), 0))
        multi = len(decision.trace.parts) > 1
        for part in decision.trace.parts:
            if multi:
                options.append(Option(Content.styled(visible(f"── {part.part}: {part.result}"), "bold"), disabled=True))
                self.refs.append(None)
            for number, step in enumerate(part.steps, 1):
                is_changed = bool(changed and (part.part, number) in changed)
                options.append(self._option(StepRef(step, part.part, is_changed), number))
        self.add_options(options)
        self.highlighted = self._most_telling()

    def _most_telling(self) -> int:
        """The step to open on: a failing step whose statement failed only on its conditions (the
        closest miss), else the last failing step with evidence, else the first failing step, else
        the decision."""
        failing = [i for i, r in enumerate(self.refs) if r and r.step.outcome in ("fail", "deny") and r.step.phase != "decision"]
        near_miss = [i for i in failing
                     if any(isinstance(e, StatementEvidence) and not e.matched for e in self.refs[i].step.evidence)]
        with_evidence = [i for i in failing if self.refs[i].step.evidence]
        if near_miss:
            return near_miss[0]
        if with_evidence:
            return with_evidence[-1]
        return failing[0] if failing else len(self.refs) - 1

    def _option(self, ref: StepRef, number: int) -> Option:
        self.refs.append(ref)
        parts: list = [f"{number:>2} " if number else "   ",
                       (MARKS.get(ref.step.outcome, "·"), f"bold {OUTCOME_STYLES.get(ref.step.outcome, '')}"),
                       f" {visible(ref.step.check)}"]
        if ref.changed:
            parts.append(("  (changed)", "italic $accent"))
        return Option(Content.assemble(*parts))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        ref = self.refs[event.option_index] if event.option_index < len(self.refs) else None
        if ref is not None:
            self.post_message(self.Chosen(ref))

    @property
    def current(self) -> StepRef | None:
        if self.highlighted is None or self.highlighted >= len(self.refs):
            return None
        return self.refs[self.highlighted]


class StepDetails(Static):
    """The highlighted step: its explanation, then every statement or grant behind it."""

    def show(self, ref: StepRef | None) -> None:
        if ref is None:
            self.update("")
            return
        step = ref.step
        parts: list = [(visible(step.check), "bold"),
                       (visible(f"  [{step.phase}{', ' + ref.part if ref.part else ''}]") + "\n", "dim"),
                       visible(step.explanation, keep_lines=True) + "\n"]
        for evidence in step.evidence:
            parts += ["\n", *evidence_parts(evidence)]
        self.update(Content.assemble(*parts))


def evidence_parts(evidence: StatementEvidence | GrantEvidence) -> list:
    """A statement's matched elements and each condition, or a grant's facts, as Content parts."""
    if isinstance(evidence, GrantEvidence):
        mark = ("✓", "$success bold") if evidence.matched else ("✗", "$error bold")
        return [(visible(evidence.where), "bold"),
                f"\n  grantee {visible(evidence.grantee)}\n  operations {visible(', '.join(evidence.operations))}"
                f"\n  constraints {visible(evidence.constraints)}\n  ", mark, f" {visible(evidence.reason)}\n"]
    parts: list = [(f"{visible(evidence.where)}: {visible(evidence.effect)}\n", "bold"),
                   f"  Action    {visible(evidence.action)}\n"]
    if evidence.resource:
        parts.append(f"  Resource  {visible(evidence.resource)}\n")
    if evidence.principal:
        parts.append(f"  Principal {visible(evidence.principal)}\n")
    for condition in evidence.conditions:
        mark = ("  ✓ ", "$success bold") if condition.result else ("  ✗ ", "$error bold")
        parts += [mark, f"{visible(condition.operator)} {visible(condition.key)}\n",
                  (f"      request {visible(describe_values(condition.request_values))} [{visible(condition.provenance)}]"
                   f"  policy {visible(', '.join(condition.policy_values))}\n", "dim")]
        if condition.note:
            parts.append((f"      {visible(condition.note)}\n", "dim italic"))
    return parts


class PolicyView(VerticalScroll):
    """A policy's JSON with line numbers, the statement concerned highlighted and scrolled into view."""

    DEFAULT_CSS = "PolicyView > Static { width: auto; }"
    shown_title: str = ""
    shown_text: str | None = None
    shown_lines: tuple[int, int] | None = None

    def compose(self):
        yield Static(id="policy-text")

    def show(self, title: str, text: str | None, lines: tuple[int, int] | None, theme_dark: bool = True) -> None:
        self.border_title = outside_text(title)  # a policy's name comes from outside: never markup
        self.shown_title, self.shown_text, self.shown_lines = title, text, lines
        body = self.query_one("#policy-text", Static)
        if text == "":
            body.update("")
            return
        if text is None:
            body.update(Text("(no policy text: given as an object, or not loaded)", style="dim"))
            return
        highlight = set(range(lines[0], lines[1] + 1)) if lines else set()
        body.update(Syntax(visible(text, keep_lines=True), "json", line_numbers=True, highlight_lines=highlight, word_wrap=False,
                           theme="ansi_dark" if theme_dark else "ansi_light", background_color="default"))
        if lines:
            self.call_after_refresh(self.scroll_to, 0, max(0, lines[0] - 3), animate=False)
        else:
            self.call_after_refresh(self.scroll_home, animate=False)

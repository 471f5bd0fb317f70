"""The Trace section: pick a principal, an action and a key; read the verdict; walk the steps.

The selected step's evidence sits beside the policy it came from, scrolled to the statement. `w`
edits that policy (what-if): the decision is re-run on an in-memory copy and the changed steps are
marked. Nothing is ever written to an account.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Header, Static

from kmstui.widgets.key_footer import KeyFooter
from kmstui.engine.order import RequestError, evaluate
from kmstui.outside_text import visible
from kmstui.policy.document import Policy, PolicyError
from kmstui.reference.model import Reference
from kmstui.app.screens.context_editor import ContextEditorScreen
from kmstui.app.screens.dialogs import PathScreen
from kmstui.app.screens.paste_event import Origin, PasteEventScreen, question_of, recorded_for
from kmstui.app.screens.picker import PickerScreen, PickItem
from kmstui.app.screens.policy_editor import PolicyEditorScreen
from kmstui.sources.snapshot import Snapshot, SnapshotError
from kmstui.engine.trace import Decision, StatementEvidence
from kmstui.engine.render import render_json, render_markdown
from kmstui.widgets.trace_views import PolicyView, StepDetails, StepList, StepRef, VerdictBanner

NARROW_WIDTH = 140


class TraceScreen(Screen):
    """Decide one request and step through why."""

    TITLE = "kmstui"
    SUB_TITLE = "Trace"
    HELP = """\
The **Trace** decides one request the way AWS does and shows every step: explicit denies, guardrails,
cross-account use, then the three doors (the key policy names the principal; the key policy enables
IAM policies; a grant). Pick the principal (`i`), action (`a`) and key (`r`, the resource); alias operations also
need the alias (`l`: an existing one, or type a new `alias/NAME`), and ReEncrypt a destination key
(`R`). Set request context with `x`. Walk the steps with `j`/`k`, `n`/`p` or the arrows: each shows its evidence beside the policy, scrolled
to the statement. `w` edits that policy to see what would change (`W`: any policy of the request, or
a key's grants; `u` drops the edits; `s` saves them as a new snapshot file, never to AWS); `e`/`E`
export the trace as Markdown/JSON to a path you choose (with what-if edits in effect, the export says
so and includes the edited policies), `y` copies it. `esc` returns to the section that opened the
trace (the matrix, Findings, Policies, Replay).

**Start from the denial**: `d` opens a dialog to paste one CloudTrail event (its JSON) or an
AccessDenied error message. The principal, action, key and context fill from it (`x` shows where each
value came from, such as `from CloudTrail: requestParameters.encryptionContext`), and the banner sets
what AWS recorded beside kmstui's verdict: agree or DISAGREE, and what kmstui could not see. A
what-if edit re-compares; choosing another principal, action or key ends the comparison.
"""
    BINDINGS = [
        Binding("i", "pick_principal", "Principal", tooltip="Choose the principal (who is asking)", id="pick-principal"),
        Binding("a", "pick_action", "Action", tooltip="Choose the KMS action", id="pick-action"),
        Binding("r", "pick_key", "Key", tooltip="Choose the key, the resource (by alias or id); UpdateAlias: the new key",
                id="pick-key"),
        Binding("l", "pick_alias", "Alias", tooltip="Alias operations: choose the alias, or type a new alias/NAME",
                id="pick-alias", show=False),
        Binding("R", "pick_destination", "To key", tooltip="ReEncrypt: choose the destination key", id="pick-destination",
                show=False),
        Binding("x", "edit_context", "Context", tooltip="Edit the request context (condition keys)", id="edit-context"),
        Binding("d", "paste_event", "From denial", tooltip="Paste a CloudTrail event or an AccessDenied message: "
                "fill the request from it and compare with what AWS recorded", id="paste-event"),
        Binding("w", "what_if", "What-if", tooltip="Edit the policy beside the trace and re-run", id="what-if"),
        Binding("W", "what_if_any", "Edit any", tooltip="What-if: choose any policy or grant list of this request to edit",
                id="what-if-any", show=False),
        Binding("u", "undo_what_if", "Undo edits", tooltip="Drop every what-if edit", id="undo-what-if", show=False),
        Binding("s", "save_edits", "Save edits", tooltip="Save the edited data as a new snapshot file (never to AWS)",
                id="save-edits", show=False),
        Binding("e", "export('markdown')", "Export", tooltip="Export the trace to a Markdown file", id="export-markdown"),
        Binding("E", "export('json')", "Export JSON", tooltip="Export the trace to a JSON file", id="export-json", show=False),
        Binding("y", "copy", "Copy", tooltip="Copy the trace as Markdown", id="copy-trace"),
        Binding("v", "full_verdict", "Full ARNs", tooltip="Show the verdict with full ARNs, or shortened again",
                id="full-verdict", show=False),
        Binding("escape", "back", "Back", tooltip="Back to the section that opened this trace", id="trace-back",
                show=False),
    ]

    def __init__(self, snapshot: Snapshot, reference: Reference, export_dir: Path | None = None) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.edited: Snapshot | None = None  # the what-if copy, when the user has edited a policy
        self.reference = reference
        self.export_dir = export_dir or Path.cwd()
        self.principal: str | None = None
        self.action: str = "kms:Decrypt"
        self.key: str | None = None  # the key, by alias or ARN (UpdateAlias: the new key)
        self.alias: str | None = None  # alias operations: the alias
        self.destination: str | None = None  # ReEncrypt: the destination key
        self.context: dict[str, Any] = {}
        self.decision: Decision | None = None
        self.before: Decision | None = None
        self.policies: dict[str, Policy] = {}
        self.last_export: Path | None = None
        self.edits: dict[str, str] = {}  # what-if: each edited policy (or "grants of KEY") and its new text
        self.edits_saved = True  # False once an edit has not been saved with `s`
        self.origin: Origin | None = None  # the pasted CloudTrail event or error message the question came from
        self._origin_question: tuple | None = None
        self._ready = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="question")
        yield VerdictBanner(id="verdict")
        with Horizontal(classes="split"):
            with Vertical(id="steps-pane", classes="list-pane") as steps:
                steps.border_title = "Steps"
                yield StepList(id="steps")
            with Vertical(id="evidence-pane", classes="details-pane") as details:
                details.border_title = "Step"
                yield StepDetails(id="step-details")
                yield PolicyView(id="policy-view")
        yield KeyFooter()

    def on_mount(self) -> None:
        self._ready = True
        self._choose_defaults()
        self.rerun()
        self.query_one(StepList).focus()

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW_WIDTH, "-narrow")

    # -- the question ----------------------------------------------------------------------
    def _choose_defaults(self) -> None:
        users = [p for p in self.snapshot.principals if p.kind in ("user", "role")]
        if self.principal is None and users:
            self.principal = users[0].arn
        if self.key is None and self.snapshot.keys:
            key = next((k for k in self.snapshot.keys if not k.aws_managed), self.snapshot.keys[0])
            self.key = key.alias_names[0] if key.alias_names else key.arn

    @property
    def resources(self) -> list[str]:
        """The request's resources in the order the engine takes them for this action."""
        operation = self.action.split(":")[-1].lower()
        if operation == "deletealias":
            return [self.alias] if self.alias else []
        if operation in ("createalias", "updatealias"):
            return [self.alias, self.key] if self.alias and self.key else []
        if operation == "reencrypt":
            return [self.key, self.destination or self.key] if self.key else []
        return [self.key] if self.key else []

    @property
    def missing_part(self) -> str:
        """What the question still lacks, as the key to press."""
        if not self.principal:
            return "a principal (i)"
        operation = self.action.split(":")[-1].lower()
        if operation in ("createalias", "updatealias", "deletealias") and not self.alias:
            return "the alias (l): an existing one, or type a new alias/NAME"
        return "a key (r)"

    def ask(self, principal: str | None = None, action: str | None = None, resources: list[str] | None = None,
            context: dict[str, Any] | None = None) -> None:
        """Set any part of the question and re-run (the palette, the matrix and tests call this)."""
        if principal is not None:
            self.principal = principal
        if action is not None:
            self.action = action
        if resources is not None:  # [key], or [alias, key] / [source, destination] as the engine takes them
            operation = self.action.split(":")[-1].lower()
            if operation in ("createalias", "updatealias", "deletealias") and resources[0].startswith("alias/") \
                    and len(resources) > 1:
                self.alias, self.key = resources[0], resources[1]
            elif operation == "deletealias" and resources[0].startswith("alias/"):
                self.alias = resources[0]
            elif operation == "reencrypt" and len(resources) > 1:
                self.key, self.destination = resources
            else:
                self.key = resources[0]
        if context is not None:
            self.context = context
        self.rerun()

    def rerun(self, keep_before: bool = False) -> None:
        if not self._ready:  # asked before the screen was shown: on_mount runs it
            return
        previous = self.decision
        self._still_from_origin()
        self.query_one("#question", Static).update(self._question_text())
        banner = self.query_one(VerdictBanner)
        recorded = recorded_for(self.origin, None, None, None) if self.origin is not None else None
        if not self.principal or not self.resources:
            self.decision = None
            banner.show(None, note=f"Choose {self.missing_part}.", recorded=recorded)
            self._clear_steps()
            return
        snapshot = self.edited or self.snapshot
        try:
            request, policies = snapshot.question(self.principal, self.action, self.resources, self.context)
            decision = evaluate(request, policies)
        except (RequestError, SnapshotError, PolicyError) as error:
            self.decision = None
            banner.show(None, note=f"Cannot decide: {error}", recorded=recorded)
            self._clear_steps()
            return
        if self.origin is not None:
            recorded = recorded_for(self.origin, decision, policies, snapshot.created)
        self.policies = {p.source: p for p in policies.policies()}
        self.before = previous if keep_before else (self.before if self.edited else None)
        self.decision = decision
        note = "What-if: edited policies are in effect (u drops them); nothing is written to AWS." if self.edited else ""
        banner.show(decision, self.before, note, account=decision_account(decision), recorded=recorded)
        changed = _changed_steps(self.before, decision) if self.before else set()
        self.query_one(StepList).show(decision, changed)

    # -- start from the denial -------------------------------------------------------------
    def action_paste_event(self) -> None:
        self.app.push_screen(PasteEventScreen(), self._pasted)

    def _pasted(self, origin: Origin | None) -> None:
        if origin is not None:
            self.start_from(origin)

    def start_from(self, origin: Origin) -> None:
        """Fill the question from a CloudTrail event or an error message, and compare with what AWS recorded."""
        principal, action, resources, context = question_of(origin)
        self.origin, self._origin_question = origin, None
        self.ask(principal=principal, action=action, resources=resources or None, context=context)

    def _still_from_origin(self) -> None:
        """The comparison holds while the question is the pasted one (context and what-if edits may change)."""
        if self.origin is None:
            return
        question = (self.principal, self.action, tuple(self.resources))
        if self._origin_question is None:
            self._origin_question = question
        elif question != self._origin_question:
            self.origin = self._origin_question = None

    def _clear_steps(self) -> None:
        """No decision: nothing of the previous one may stay on screen."""
        self.query_one(StepList).clear_options()
        self.query_one(StepDetails).show(None)
        self.query_one(PolicyView).show("Policy", "", None)

    def _question_text(self) -> Content:
        """The question as plain parts: names and ARNs come from outside, so they are never markup."""
        operation = self.action.split(":")[-1].lower()
        parts: list[tuple[str, str | None]] = [("Principal", self.principal or "(choose: i)"), ("Action", self.action)]
        if operation in ("createalias", "updatealias", "deletealias"):
            parts.append(("Alias", self.alias or "(choose: l)"))
            if operation != "deletealias":
                parts.append(("New key" if operation == "updatealias" else "Key", self.key or "(choose: r)"))
        else:
            parts.append(("Key", self.key or "(choose: r)"))
            if operation == "reencrypt":
                parts.append(("To key", self.destination or self.key or "(choose: R)"))
        pieces: list = [" "]
        for index, (label, value) in enumerate(parts):
            pieces += ["   " if index else "", (label, "bold"), f" {visible(value)}"]
        if self.context:
            sources = getattr(self.context, "sources", {})
            from_trail = sum(1 for key in self.context if str(sources.get(key, "")).startswith("from CloudTrail"))
            given = len(self.context) - from_trail
            pieces.append("  ·  context: " + ", ".join(part for part in (f"{given} given" if given else "",
                                                                          f"{from_trail} from CloudTrail (x)" if from_trail else "") if part))
        return Content.assemble(*pieces)

    # -- steps -----------------------------------------------------------------------------
    @on(StepList.Chosen)
    def _show_step(self, event: StepList.Chosen) -> None:
        self.show_step(event.ref)

    def show_step(self, ref: StepRef) -> None:
        self.query_one(StepDetails).show(ref)
        evidence = next((e for e in ref.step.evidence if isinstance(e, StatementEvidence)), None)
        view = self.query_one(PolicyView)
        if evidence is None:
            # No statement behind this step: show the key policy of its part, for context.
            part = next((p for p in self.decision.trace.parts if p.part == ref.part), None) if self.decision else None
            key_id = part.resource.rsplit("/", 1)[-1] if part and ":key/" in part.resource else None
            policy = self.policies.get(f"key policy of {key_id}") if key_id else None
            if policy is not None:
                view.show(policy.source, policy.text, None, self.app.current_theme.dark)
            else:
                view.show("Policy", "", None, self.app.current_theme.dark)
            return
        policy = self.policies.get(evidence.source)
        view.show(evidence.source, policy.text if policy else None, evidence.lines, self.app.current_theme.dark)

    # -- pickers ---------------------------------------------------------------------------
    def action_pick_principal(self) -> None:
        items = [PickItem(p.arn, p.name, f"{p.kind} · {p.arn}") for p in self.snapshot.principals if p.kind != "group"]
        self.app.push_screen(PickerScreen("Principal (or type any principal ARN)", items, self.principal,
                                          free_text="arn:", free_detail="a principal ARN (as --principal takes)"),
                             self._picked_principal)

    def _picked_principal(self, value: str | None) -> None:
        if value:
            self.ask(principal=value)

    def action_pick_action(self) -> None:
        items = [PickItem(a.name, a.name, a.description) for a in self.reference.actions]
        items.insert(0, PickItem("kms:ReEncrypt", "kms:ReEncrypt", "the ReEncrypt operation: ReEncryptFrom on the source key and ReEncryptTo on the destination"))
        self.app.push_screen(PickerScreen("Action", items, self.action), self._picked_action)

    def _picked_action(self, value: str | None) -> None:
        if value:
            self.ask(action=value)

    def action_pick_key(self) -> None:
        self.app.push_screen(PickerScreen("Key", self._key_items(), self.key), self._picked_key)

    def _key_items(self) -> list[PickItem]:
        items = []
        for key in self.snapshot.keys:
            name = key.alias_names[0] if key.alias_names else key.key_id
            managed = "AWS managed" if key.aws_managed else "customer managed"
            items.append(PickItem(name, name, f"{key.key_id} · {key.region} · {managed} · {key.metadata.get('Description', '')}"))
        return items

    def _picked_key(self, value: str | None) -> None:
        if value:
            self.key = value
            self.rerun()

    def action_pick_destination(self) -> None:
        self.app.push_screen(PickerScreen("ReEncrypt: destination key", self._key_items(), self.destination),
                             self._picked_destination)

    def _picked_destination(self, value: str | None) -> None:
        if value:
            self.destination = value
            self.rerun()

    def action_pick_alias(self) -> None:
        items = [PickItem(name, name, f"→ {key.key_id}") for key in self.snapshot.keys for name in key.alias_names]
        self.app.push_screen(PickerScreen("Alias (or type a new alias/NAME)", items, self.alias, free_text="alias/"),
                             self._picked_alias)

    def _picked_alias(self, value: str | None) -> None:
        if value:
            self.alias = value
            self.rerun()

    def action_edit_context(self) -> None:
        derived = []
        if self.decision is not None:
            derived = [(c.key, ", ".join(c.values), c.provenance) for c in self.decision.trace.context if c.provenance != "given"]
        self.app.push_screen(ContextEditorScreen(self.context, derived, self.reference,
                                                 getattr(self.context, "sources", None)), self._edited_context)

    def _edited_context(self, value: dict[str, Any] | None) -> None:
        if value is not None:
            sources = getattr(self.context, "sources", None)
            if sources:  # a value left as it was keeps where it came from (a pasted event's field)
                from kmstui.engine.context import SourcedContext

                value = SourcedContext(value, {k: sources[k] for k in value if k in sources and self.context.get(k) == value[k]})
            self.ask(context=value)

    # -- what-if ---------------------------------------------------------------------------
    def action_what_if(self) -> None:
        view = self.query_one(PolicyView)
        source = view.shown_title
        policy = self.policies.get(source) if source else None
        if policy is None or policy.text is None:
            self.notify("Highlight a step whose evidence is a policy statement, then press w to edit that policy.",
                        severity="warning")
            return
        line = view.shown_lines[0] if view.shown_lines else None
        self.app.push_screen(PolicyEditorScreen(policy.source, policy.kind, policy.text, line), self._edited_policy)

    def action_what_if_any(self) -> None:
        """Pick any policy that applies to this request, or the grants of one of its keys, to edit."""
        if self.decision is None:
            self.notify("Ask a question first.", severity="warning")
            return
        items = [PickItem(source, source, policy.kind.replace("_", " ")) for source, policy in self.policies.items()
                 if policy.text is not None]
        snapshot = self.edited or self.snapshot
        for part in self.decision.trace.parts:
            if ":key/" in part.resource:
                key = snapshot.find_key(part.resource)
                items.append(PickItem(f"grants of {key.key_id}", f"grants of {key.key_id}", f"{len(key.grants)} grant(s)"))
        self.app.push_screen(PickerScreen("What-if: edit", items), self._pick_edit)

    def _pick_edit(self, source: str | None) -> None:
        if not source:
            return
        if source.startswith("grants of "):
            key = (self.edited or self.snapshot).find_key(source.removeprefix("grants of "))
            self.app.push_screen(PolicyEditorScreen(source, "grants", json.dumps(key.grants, indent=2)), self._edited_policy)
            return
        policy = self.policies[source]
        self.app.push_screen(PolicyEditorScreen(policy.source, policy.kind, policy.text or ""), self._edited_policy)

    def _edited_policy(self, result: tuple[str, str] | None) -> None:
        if result is None:
            return
        source, text = result
        try:
            base = self.edited or self.snapshot
            if source.startswith("grants of "):
                self.edited = base.with_grants(source.removeprefix("grants of "), json.loads(text))
            else:
                self.edited = base.with_policy_text(source, text)
        except SnapshotError as error:
            self.notify(str(error), severity="error")
            return
        self.edits[source] = text
        self.edits_saved = False
        self.rerun(keep_before=self.before is None)

    @property
    def unsaved_edits(self) -> bool:
        """What-if edits that `s` has not saved (quitting asks first)."""
        return self.edited is not None and not self.edits_saved

    def action_undo_what_if(self) -> None:
        if self.edited is not None:
            self.edited, self.before = None, None
            self.edits, self.edits_saved = {}, True
            self.rerun()
            self.notify("What-if edits dropped.")

    def action_save_edits(self) -> None:
        """Write the what-if data as a new snapshot file: load it with --snapshot; AWS is never touched."""
        if self.edited is None:
            self.notify("No what-if edits to save.", severity="warning")
            return
        default = self.export_dir / f"kmstui-what-if-{time.strftime('%Y%m%d-%H%M%S')}.json"
        edited = self.edited
        self.app.push_screen(PathScreen("Save the what-if data as a new snapshot (never to AWS)", default,
                                        f"Edited: {', '.join(self.edits)}"),
                             lambda path: path and self._write(path, edited.to_json(), "Edits saved as a new snapshot",
                                                               saves_edits=True))

    def _write(self, path: Path, text: str, done: str, saves_edits: bool = False) -> None:
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as error:
            self.notify(f"Cannot write {path}: {error.strerror or error}", severity="error")
            return
        self.last_export = path
        if saves_edits:
            self.edits_saved = True
        self.notify(f"{done}: {path}")

    # -- export ----------------------------------------------------------------------------
    def export_text(self, kind: str) -> str:
        """The trace as Markdown or JSON; with what-if edits in effect it says so and holds the edited text."""
        assert self.decision is not None
        if kind == "json":
            data = json.loads(render_json(self.decision))
            if self.edited is not None:
                data["what_if"] = {"note": WHAT_IF_NOTE, "edited": [{"source": source, "text": text}
                                                                    for source, text in self.edits.items()]}
            return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        text = render_markdown(self.decision)
        if self.edited is None:
            return text
        blocks = [f"### {source}\n\n```json\n{edited.rstrip()}\n```\n" for source, edited in self.edits.items()]
        return (f"> **What-if:** {WHAT_IF_NOTE}\n\n{text.rstrip()}\n\n## What-if: the edited policies\n\n"
                + "\n".join(blocks))

    def action_export(self, kind: str) -> None:
        if self.decision is None:
            self.notify("Nothing to export yet.", severity="warning")
            return
        stamp = time.strftime("%Y%m%d-%H%M%S")
        action = self.action.split(":")[-1]
        default = self.export_dir / f"kmstui-trace-{action}-{stamp}.{'md' if kind == 'markdown' else 'json'}"
        text = self.export_text(kind)
        note = f"What-if edits are in effect: the export says so and includes them ({', '.join(self.edits)})." \
            if self.edited is not None else ""
        self.app.push_screen(PathScreen(f"Export the trace as {'Markdown' if kind == 'markdown' else 'JSON'}",
                                        default, note),
                             lambda path: path and self._write(path, text, "Trace exported"))

    def action_copy(self) -> None:
        if self.decision is not None:
            self.app.copy_to_clipboard(self.export_text("markdown"))
            self.notify("Trace copied as Markdown" + (" (with the what-if edits)." if self.edited else "."))

    def action_full_verdict(self) -> None:
        self.query_one(VerdictBanner).toggle_full()

    def action_back(self) -> None:
        back = getattr(self.app, "action_back", None)
        if back is not None:
            back()


def decision_account(decision: Decision) -> str | None:
    """The account of the decision's first resource (a key or alias ARN), whose ARNs the banner shortens."""
    for part in decision.trace.parts:
        fields = str(part.resource).split(":")
        if len(fields) > 4 and fields[4].isdigit():
            return fields[4]
    return None


WHAT_IF_NOTE = ("this trace was decided with edited policies (what-if), not the loaded ones; "
                "nothing was written to AWS.")


def _changed_steps(before: Decision | None, after: Decision) -> set[tuple[str | None, int]]:
    """Steps whose outcome or explanation differs from the decision before the edit."""
    if before is None:
        return set()
    old = {(p.part, n): (s.outcome, s.explanation) for p in before.trace.parts for n, s in enumerate(p.steps, 1)}
    return {(p.part, n) for p in after.trace.parts for n, s in enumerate(p.steps, 1)
            if old.get((p.part, n)) != (s.outcome, s.explanation)}


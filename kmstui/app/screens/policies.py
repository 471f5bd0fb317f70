"""The Policies section: everything loaded, as a tree, and the selected item's JSON with its findings.

Accounts → regions → keys (key policy, aliases, grants, tags); principals (policies, boundary, groups);
organization policies; load errors. `t` asks the Trace about the selected key or principal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.fuzzy import Matcher
from textual.widgets import Header, Static, Tree

from rich.text import Text

from kmstui.widgets.key_footer import KeyFooter
from kmstui.outside_text import outside_text, visible
from kmstui.sources.snapshot import Key, Principal, Snapshot
from kmstui.widgets.filter_input import FilterInput
from kmstui.widgets.lists import ListTree
from kmstui.widgets.trace_views import PolicyView

NARROW_WIDTH = 140


@dataclass
class Item:
    """What a tree node shows when selected."""

    title: str
    text: str | None = None  # JSON to show
    source: str | None = None  # the policy's name as traces and findings name it
    kind: str = "info"
    key: Key | None = None
    principal: Principal | None = None
    notes: list[str] = field(default_factory=list)


class PoliciesScreen(Screen):
    """Browse what is loaded."""

    TITLE = "kmstui"
    SUB_TITLE = "Policies"
    HELP = """\
**Policies** shows everything loaded — keys with their key policy, aliases, grants and tags;
principals with their policies and boundary; organization policies; load errors — and the selected
item's JSON with line numbers and the findings that concern it. `t` opens the Trace for the
selected key or principal. `/` filters the tree (fuzzy, as the other lists: a match keeps its
parents and everything under it; `esc` clears); `j`/`k` move, `g`/`G` first and last.
"""
    BINDINGS = [
        Binding("slash", "filter", "Filter", tooltip="Filter the tree (fuzzy); esc clears", id="policies-filter"),
        Binding("t", "trace", "Trace this", tooltip="Open the Trace for the selected key or principal", id="trace-this"),
        Binding("y", "copy", "Copy JSON", tooltip="Copy the selected item's JSON", id="copy-json-item"),
        Binding("escape", "back", "Back", tooltip="Clear the filter, or back to the section that opened this policy",
                id="policies-back", show=False),
    ]

    def __init__(self, snapshot: Snapshot, findings: Callable[[Snapshot], list[Any]] | None = None) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.findings_for = findings
        self.findings: list[Any] = []
        self.selected: Item | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(classes="split"):
            with Vertical(id="tree-pane", classes="list-pane") as pane:
                pane.border_title = "Loaded"
                yield FilterInput("filter the tree…  (esc clears)", id="policies-filter-input")
                yield ListTree("snapshot", id="policy-tree")
            with Vertical(id="item-pane", classes="details-pane") as pane:
                pane.border_title = "Item"
                yield Static(id="item-notes")
                yield PolicyView(id="item-json")
        yield KeyFooter()

    def on_mount(self) -> None:
        if self.findings_for is not None:
            self.findings = self.findings_for(self.snapshot)
        self._fill()
        tree = self.query_one(Tree)
        tree.focus()

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW_WIDTH, "-narrow")

    def _findings_about(self, source: str | None) -> list[Any]:
        if not source:
            return []
        return [f for f in self.findings if _same_policy(source, getattr(f, "source", None))]

    def _label(self, text: str, source: str | None) -> Text:
        """A tree label: names come from outside, so the label is Text (never markup), controls spelled out."""
        count = len(self._findings_about(source))
        return outside_text(f"{text}  ⚠ {count}" if count else text)

    def _fill(self, query: str = "") -> None:
        tree = self.query_one(Tree)
        tree.clear()
        self._build(tree)
        if query.strip():
            matcher = Matcher(query.strip())
            shown = self._prune(tree.root, matcher)
            total = sum(1 for _ in _descendants(tree.root))
            pane = self.query_one("#tree-pane")
            pane.border_subtitle = (f"{shown} of {total} match “{query.strip()}”" if shown
                                    else f"nothing matches “{query.strip()}” · esc clears")
            tree.root.expand_all()
        else:
            self.query_one("#tree-pane").border_subtitle = "/ to filter"

    def _prune(self, node, matcher: Matcher) -> int:
        """Keep the nodes whose label matches, their parents, and everything under them; the count kept."""
        kept = 0
        for child in list(node.children):
            if matcher.match(child.label.plain) > 0:
                kept += 1 + sum(1 for _ in _descendants(child))
                continue
            below = self._prune(child, matcher)
            if below:
                kept += 1 + below
            else:
                child.remove()
        return kept

    def _build(self, tree: Tree) -> None:
        snapshot = self.snapshot
        tree.root.set_label(outside_text(f"{', '.join(snapshot.sources) or 'snapshot'} · {len(snapshot.keys)} keys · "
                                         f"{principal_counts(snapshot)}"))
        tree.root.data = Item("snapshot", json.dumps({"sources": snapshot.sources, "created": snapshot.created,
                                                      "accounts": snapshot.accounts}, indent=2))
        tree.root.expand()
        keys_node = tree.root.add("Keys", data=Item("Keys"), expand=True)
        for account in snapshot.accounts:
            account_keys = [k for k in snapshot.keys if k.account == account]
            if not account_keys:
                continue
            account_node = keys_node.add(outside_text(f"account {account}"), data=Item(f"account {account}"), expand=True)
            for region in sorted({k.region for k in account_keys}):
                region_node = account_node.add(outside_text(region), data=Item(region), expand=True)
                for key in sorted((k for k in account_keys if k.region == region), key=lambda k: (k.alias_names or [k.key_id])[0]):
                    self._add_key(region_node, key)
        principals_node = tree.root.add("Principals", data=Item("Principals"), expand=True)
        for kind in ("user", "role", "group"):
            members = sorted((p for p in snapshot.principals if p.kind == kind), key=lambda p: p.name)
            if members:
                kind_node = principals_node.add(f"{kind}s ({len(members)})", data=Item(f"{kind}s"))
                for principal in members:
                    self._add_principal(kind_node, principal)
        if snapshot.org_policies:
            org_node = tree.root.add("Organization policies", data=Item("Organization policies"))
            for policy in snapshot.org_policies.values():
                source = f"{policy.kind.upper()} {policy.name}"
                org_node.add_leaf(self._label(source, source), data=Item(source, policy.document, source, policy.kind))
        if snapshot.errors:
            errors_node = tree.root.add(f"Load errors ({len(snapshot.errors)})", data=Item("Load errors"))
            for error in snapshot.errors:
                errors_node.add_leaf(outside_text(f"✗ {error.what}"), data=Item(error.what, json.dumps(error.__dict__, indent=2),
                                                                  notes=[f"{error.code or 'error'}: {error.message}"]))

    def _add_key(self, parent, key: Key) -> None:
        name = key.alias_names[0] if key.alias_names else key.key_id
        managed = " (AWS managed)" if key.aws_managed else ""
        source = f"key policy of {key.key_id}"
        node = parent.add(self._label(f"{name}{managed}", source),
                          data=Item(name, json.dumps(key.metadata, indent=2), key=key,
                                    notes=[f"{key.arn}", key.metadata.get("Description", "")]))
        if key.policy is not None:
            node.add_leaf(self._label("key policy", source), data=Item(source, key.policy, source, "key_policy", key=key))
        else:
            node.add_leaf("key policy: not loaded", data=Item("key policy", None, notes=["see Load errors"]))
        if key.aliases:
            node.add_leaf(f"aliases ({len(key.aliases)})", data=Item("aliases", json.dumps(key.aliases, indent=2), key=key))
        if key.grants:
            node.add_leaf(f"grants ({len(key.grants)})", data=Item("grants", json.dumps(key.grants, indent=2), key=key))
        if key.tags:
            node.add_leaf(f"tags ({len(key.tags)})", data=Item("tags", json.dumps(key.tags, indent=2), key=key))

    def _add_principal(self, parent, principal: Principal) -> None:
        node = parent.add(outside_text(principal.name), data=Item(principal.name, json.dumps(
            {"arn": principal.arn, "groups": principal.groups, "boundary": principal.boundary, "tags": principal.tags},
            indent=2), principal=principal))
        for inline in principal.inline_policies:
            source = f"{principal.kind} {principal.name} inline policy {inline.name}"
            node.add_leaf(self._label(f"inline {inline.name}", source), data=Item(source, inline.document, source, "identity",
                                                                                  principal=principal))
        for arn in principal.managed_policies:
            managed = self.snapshot.managed_policies.get(arn)
            name = managed.name if managed else arn
            source = f"{principal.kind} {principal.name} managed policy {name}"
            node.add_leaf(self._label(f"managed {name}", source),
                          data=Item(source, managed.document if managed else None, source, "identity", principal=principal,
                                    notes=[] if managed else ["the managed policy was not loaded"]))
        if principal.boundary:
            managed = self.snapshot.managed_policies.get(principal.boundary)
            source = f"permissions boundary {managed.name}" if managed else principal.boundary
            node.add_leaf(self._label("boundary", source), data=Item(source, managed.document if managed else None, source,
                                                                      "boundary", principal=principal))

    @on(Tree.NodeHighlighted)
    def _show(self, event: Tree.NodeHighlighted) -> None:
        item = event.node.data
        if not isinstance(item, Item):
            return
        self.selected = item
        notes = [n for n in item.notes if n]
        for finding in self._findings_about(item.source):
            line = f" (line {finding.line})" if getattr(finding, "line", None) else ""
            notes.append(f"⚠ {finding.severity} {finding.rule}{line}: {finding.message}")
        self.query_one("#item-notes", Static).update(outside_text("\n".join(visible(n) for n in notes), keep_lines=True))
        first_line = min((f.line for f in self._findings_about(item.source) if getattr(f, "line", None)), default=None)
        text = item.text if item.text is not None or item.source else ""
        self.query_one(PolicyView).show(item.title, text, (first_line, first_line) if first_line else None,
                                        self.app.current_theme.dark)

    def select_source(self, source: str) -> bool:
        """Select the tree node of the policy named ``source`` (from Findings), expanding its parents.

        A managed policy is named by itself in findings ("managed policy X") and under each principal it
        is attached to ("user U managed policy X") in the tree: the first such node is selected."""
        box = self.query_one(FilterInput)
        if box.value:  # a filter could hide it: the whole tree again
            with box.prevent(FilterInput.Changed):
                box.value = ""
            box.close()
            self._fill()
        tree = self.query_one(Tree)
        nodes = [n for n in tree._tree_nodes.values() if isinstance(n.data, Item)]
        exact = [n for n in nodes if n.data.source == source]
        for node in exact or [n for n in nodes if _same_policy(n.data.source, source)]:
            item = node.data
            if isinstance(item, Item):
                parent = node.parent
                while parent is not None:
                    parent.expand()
                    parent = parent.parent
                self.call_after_refresh(tree.move_cursor, node)
                tree.focus()
                return True
        return False

    def action_trace(self) -> None:
        item = self.selected
        if item is None or (item.key is None and item.principal is None):
            self.notify("Select a key or a principal first.", severity="warning")
            return
        trace = getattr(self.app, "open_trace", None)
        if trace is not None:
            if item.key is not None:
                key = item.key
                trace(resources=[key.alias_names[0] if key.alias_names else key.arn])
            elif item.principal.kind == "group":
                self._trace_a_member(item.principal)
            else:
                trace(principal=item.principal.arn)

    def _trace_a_member(self, group: Principal) -> None:
        """A group is never the caller: offer its members to trace (AWS evaluates a user with its groups)."""
        from kmstui.app.screens.picker import PickerScreen, PickItem

        members = [p for p in self.snapshot.principals if p.kind == "user" and group.name in p.groups]
        if not members:
            self.notify(f"Group {group.name} has no member in this snapshot: a group is never the caller, so there is "
                        "nothing to trace; its policies apply to each member user.", severity="warning")
            return
        items = [PickItem(p.arn, p.name, p.arn) for p in members]
        self.app.push_screen(PickerScreen(f"Trace a member of group {group.name} (its policies apply to each)", items),
                             lambda arn: arn and self.app.open_trace(principal=arn))

    def action_filter(self) -> None:
        self.query_one(FilterInput).open()

    @on(FilterInput.Changed)
    def _filtered(self, event: FilterInput.Changed) -> None:
        self._fill(event.value)

    @on(FilterInput.Done)
    def _filter_done(self, event: FilterInput.Done) -> None:
        self.query_one(Tree).focus()

    def action_back(self) -> None:
        box = self.query_one(FilterInput)
        if box.value:  # esc on the tree clears the filter first
            box.value = ""
            box.close()
            return
        back = getattr(self.app, "action_back", None)
        if back is not None:
            back()

    def action_copy(self) -> None:
        if self.selected is not None and self.selected.text:
            self.app.copy_to_clipboard(self.selected.text)
            self.notify("Copied.")


def _descendants(node):
    for child in node.children:
        yield child
        yield from _descendants(child)


def _same_policy(tree_source: str | None, finding_source: str | None) -> bool:
    """A finding's policy name names this tree item: the same, or a managed policy under a principal."""
    if not tree_source or not finding_source:
        return False
    return tree_source == finding_source or (finding_source.startswith("managed policy ")
                                             and tree_source.endswith(f" {finding_source}"))


def principal_counts(snapshot: Snapshot) -> str:
    """What `kmstui snapshot` counts as principals (users, roles and groups), said part by part."""
    kinds = {kind: sum(1 for p in snapshot.principals if p.kind == kind) for kind in ("user", "role", "group")}
    return (f"{len(snapshot.principals)} principals ({kinds['user']} users, {kinds['role']} roles, "
            f"{kinds['group']} groups)")

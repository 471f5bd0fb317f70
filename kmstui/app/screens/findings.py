"""The Findings section: risky or ineffective statements across everything loaded, worst first.

Each names its rule, the seed or AWS page behind it, and where it stands; `enter` shows that policy
in the Policies section.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from kmstui.widgets.key_footer import KeyFooter
from kmstui.widgets.lists import ListTable
from kmstui.outside_text import outside_text, visible
from kmstui.sources.snapshot import Snapshot

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "info": 3}
# Solid colours: a table cell does not blend a translucent one such as $text-muted (see the matrix).
SEVERITY_STYLES = {"high": "bold $error", "medium": "bold $warning", "low": "$foreground", "info": "$foreground-darken-3"}


class FindingsScreen(Screen):
    """Every finding, with its rule and reference."""

    TITLE = "kmstui"
    SUB_TITLE = "Findings"
    HELP = """\
**Findings** are checks on what is loaded: a key policy that does not enable IAM policies, `Principal
"*"` without a limiting condition, cross-account grants of actions that cannot be used
cross-account, conditions on alias resources, broad `kms:*`, and more. Each names the seed or AWS
page that explains it. `enter` shows the policy in **Policies**. `j`/`k` move, `s` sorts by the next
column (`S` reverses; a click on a header sorts by it).
"""
    BINDINGS = [
        Binding("enter", "open", "Show policy", tooltip="Show the finding's policy in the Policies section", id="open-finding"),
    ]

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.findings: list = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(classes="list-pane", id="findings-pane") as pane:
            pane.border_title = "Findings"
            yield ListTable(id="findings-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="finding-details")
        yield KeyFooter()

    def on_mount(self) -> None:
        from kmstui.analysis.findings import snapshot_findings

        self.findings = sorted(snapshot_findings(self.snapshot),
                               key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), f.rule, f.source, f.line or 0))
        table = self.query_one(ListTable)
        table.add_column("severity", key="severity")
        for column in ("rule", "where", "finding"):
            table.add_column(column, key=column)
        table.sort_values["severity"] = lambda cell: SEVERITY_ORDER.get(cell.plain, 9)  # worst first
        for index, finding in enumerate(self.findings):
            where = f"{finding.source}" + (f":{finding.line}" if finding.line else "")
            table.add_row(Content.styled(finding.severity, SEVERITY_STYLES.get(finding.severity, "")),
                          outside_text(finding.rule), outside_text(where), outside_text(finding.message), key=str(index))
        counts = {s: sum(1 for f in self.findings if f.severity == s) for s in SEVERITY_ORDER}
        self.query_one("#findings-pane").border_subtitle = " · ".join(f"{n} {s}" for s, n in counts.items() if n) or "none"
        table.focus()

    @on(DataTable.RowHighlighted)
    def _details(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is None or event.row_key.value is None:
            return
        finding = self.findings[int(event.row_key.value)]
        statement = f", statement {finding.statement + 1}" if finding.statement is not None else ""
        sid = f" “{visible(finding.sid)}”" if finding.sid else ""
        self.query_one("#finding-details", Static).update(Content.assemble(
            (f"{visible(finding.title)}\n", "bold"), f"{visible(finding.message)}\n",
            (f"{visible(finding.source)}{statement}{sid}" + (f", line {finding.line}" if finding.line else "") + "\n", "dim"),
            (f"Reference: {visible(finding.reference)}", "dim")))

    def action_open(self) -> None:
        table = self.query_one(ListTable)
        if not self.findings or not table.row_count:
            return
        row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key  # the row, however sorted
        finding = self.findings[int(row_key.value)]
        opener = getattr(self.app, "open_policy", None)
        if opener is not None:
            opener(finding.source)

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

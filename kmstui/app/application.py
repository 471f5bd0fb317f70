"""The Textual app: sections as modes, global keys, help and the command palette.

:func:`make_app` is the one factory used by the CLI, the tests and the screenshot script.
"""

from __future__ import annotations

from textual import work
from textual.app import App
from textual.binding import Binding

from kmstui.app.commands import ReferenceCommands
from kmstui.outside_text import visible
from kmstui.reference.model import Reference, load_reference
from kmstui.app.screens.help import GLOBAL_HELP, HelpScreen, collect_key_help
from kmstui.app.screens.load import LoadScreen, Source, load_source
from kmstui.app.screens.findings import FindingsScreen
from kmstui.app.screens.matrix import MatrixScreen
from kmstui.app.screens.policies import PoliciesScreen
from kmstui.app.screens.reference import ReferenceScreen
from kmstui.app.screens.replay import ReplayScreen
from kmstui.app.screens.trace import TraceScreen
from kmstui.sources.snapshot import Snapshot, SnapshotError
from kmstui.sources.errors import SourceError

DARK_THEME, LIGHT_THEME = "textual-dark", "textual-light"


class KmsTuiApp(App[int]):
    """kmstui: the KMS reference today; policies and the explained trace build on it."""

    TITLE = "kmstui"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {ReferenceCommands}
    BINDINGS = [
        Binding("1", "section('reference')", "Reference", tooltip="The KMS permissions reference", id="section-reference", show=False),
        Binding("2", "section('policies')", "Policies", tooltip="What is loaded: keys, principals, policies, findings", id="section-policies", show=False),
        Binding("3", "section('trace')", "Trace", tooltip="Decide a request and step through why", id="section-trace", show=False),
        Binding("4", "section('matrix')", "Matrix", tooltip="Who can do what with a key", id="section-matrix", show=False),
        Binding("5", "section('findings')", "Findings", tooltip="Risky or ineffective statements", id="section-findings", show=False),
        Binding("6", "section('replay')", "Replay", tooltip="Replay a CloudTrail log: CloudTrail's outcome beside kmstui's "
                "verdict for every KMS event", id="section-replay", show=False),
        Binding("ctrl+o", "load", "Load", tooltip="Load a file, a folder, an account or a cached snapshot", id="load"),
        Binding("ctrl+r", "refresh", "Reload", tooltip="Load the current source again (an account: from AWS)", id="refresh",
                show=False),
        Binding("question_mark,f1", "help", "Help", tooltip="Show help and every key", id="help"),
        Binding("q", "quit", "Quit", tooltip="Quit kmstui", id="quit"),
        Binding("ctrl+t", "toggle_theme", "Light/dark", tooltip="Switch between the light and dark theme",
                id="toggle-theme", show=False),
    ]

    def __init__(self, reference: Reference, snapshot: Snapshot, theme: str | None = None,
                 start: str = "reference", source_label: str = "", source: Source | None = None) -> None:
        # Sections are modes; each mode's screen is made on first use and kept.
        self.MODES = {"reference": self._make_reference_screen, "policies": self._make_policies_screen,
                      "trace": self._make_trace_screen, "matrix": self._make_matrix_screen,
                      "findings": self._make_findings_screen, "replay": self._make_replay_screen}
        super().__init__()
        self.reference = reference
        self.snapshot = snapshot
        self.source_label = source_label
        self.source = source
        self._reference_screen: ReferenceScreen | None = None
        self._trace_screen: TraceScreen | None = None
        self._policies_screen: PoliciesScreen | None = None
        self._initial_theme = theme
        self._start = start
        self._back_stack: list[str] = []  # sections to return to with `esc`
        self.replay_path: str | None = None  # the CloudTrail log last replayed (a reload replays it again)

    def _make_reference_screen(self) -> ReferenceScreen:
        self._reference_screen = ReferenceScreen(self.reference)
        return self._reference_screen

    def _make_trace_screen(self) -> TraceScreen:
        self._trace_screen = TraceScreen(self.snapshot, self.reference)
        return self._trace_screen

    @property
    def trace_screen(self) -> TraceScreen | None:
        return self._trace_screen

    def _make_policies_screen(self) -> PoliciesScreen:
        self._policies_screen = PoliciesScreen(self.snapshot, _snapshot_findings)
        return self._policies_screen

    def _make_matrix_screen(self) -> MatrixScreen:
        return MatrixScreen(self.snapshot)

    def _make_findings_screen(self) -> FindingsScreen:
        return FindingsScreen(self.snapshot)

    def _make_replay_screen(self) -> ReplayScreen:
        return ReplayScreen(self.snapshot, self.replay_path)

    def snapshot_in_effect(self) -> tuple[Snapshot, list[str]]:
        """The Trace's what-if copy and what was edited, when it has edits; else the loaded snapshot."""
        trace = self._trace_screen
        if trace is not None and trace.edited is not None:
            return trace.edited, list(trace.edits)
        return self.snapshot, []

    def open_trace_from(self, origin: object) -> None:
        """Show the Trace of a CloudTrail event (the Replay section) or error message, compared with its outcome."""
        self._came_from("trace")
        self.switch_mode("trace")
        if self._trace_screen is not None:
            self._trace_screen.start_from(origin)  # type: ignore[arg-type]

    def paste_into_trace(self) -> None:
        """The Trace's paste dialog (the palette's "trace: from a CloudTrail event or error message")."""
        self.switch_mode("trace")
        if self._trace_screen is not None:
            self.call_after_refresh(self._trace_screen.action_paste_event)

    def _came_from(self, target: str) -> None:
        """Remember the section the user leaves for ``target``, so `esc` there returns to it."""
        current = self.current_mode
        if current and current != target:
            self._back_stack.append(current)
            del self._back_stack[:-20]

    def action_back(self) -> bool:
        """Return to the section that opened this one (a trace from the matrix, a policy from Findings)."""
        if not self._back_stack:
            return False
        self.switch_mode(self._back_stack.pop())
        return True

    def open_policy(self, source: str) -> None:
        """Show the Policies section with the policy named ``source`` selected (from Findings)."""
        self._came_from("policies")
        self.switch_mode("policies")
        screen = self._policies_screen
        if screen is not None:
            self.call_after_refresh(screen.select_source, source)

    def open_trace(self, **question: object) -> None:
        """Show the Trace with part of the question set (from Policies, the matrix, the palette)."""
        self._came_from("trace")
        self.switch_mode("trace")
        if self._trace_screen is not None:
            self._trace_screen.ask(**question)  # type: ignore[arg-type]

    def on_mount(self) -> None:
        if self._initial_theme:
            self.theme = self._initial_theme
        if self.source_label:
            self.sub_title = visible(self.source_label)
        self.switch_mode(self._start)

    def action_load(self) -> None:
        self.push_screen(LoadScreen(), self._loaded)

    def _loaded(self, result: tuple[Snapshot, Source] | None) -> None:
        if result is not None:
            snapshot, source = result
            self.replace_snapshot(snapshot, source)

    def _usable(self, snapshot: Snapshot, source: Source) -> bool:
        """A load that found no key and no principal does not replace what is shown."""
        if snapshot.keys or snapshot.principals or snapshot.org_policies:
            return True
        problems = "; ".join(f"{e.what}: {e.message}" for e in snapshot.errors[:3])
        self.notify(f"Nothing usable in {source.label}" + (f" ({problems})" if problems else "")
                    + ". What was loaded stays; ctrl+o then ctrl+d loads the demo.",
                    title="Not loaded", severity="error", timeout=12)
        return False

    @work(thread=True, exclusive=True, group="refresh")
    def action_refresh(self) -> None:
        """Load the current source again in a worker; the current data stays until it succeeds."""
        if self.source is None:
            self.call_from_thread(self.notify, "Nothing to reload: this data was given in code.", severity="warning")
            return
        self.call_from_thread(self.notify, f"Reloading {self.source.label}…")
        try:
            snapshot = load_source(self.source)
        except (SourceError, SnapshotError) as error:
            self.call_from_thread(self.notify, str(error), title="Reload failed", severity="error", timeout=10)
            return
        self.call_from_thread(self.replace_snapshot, snapshot, self.source)

    def replace_snapshot(self, snapshot: Snapshot, source: Source) -> None:
        """Show a newly loaded Snapshot: the sections that depend on it start afresh."""
        if not self._usable(snapshot, source):
            return
        self.snapshot, self.source = snapshot, source
        self.sub_title = visible(source.label)
        current = self.current_mode
        if current != "reference":
            self.switch_mode("reference")
        for name in ("policies", "trace", "matrix", "findings", "replay"):
            self.remove_mode(name)
        self._trace_screen = self._policies_screen = None
        self.add_mode("policies", self._make_policies_screen)
        self.add_mode("trace", self._make_trace_screen)
        self.add_mode("matrix", self._make_matrix_screen)
        self.add_mode("findings", self._make_findings_screen)
        self.add_mode("replay", self._make_replay_screen)
        if current != "reference":
            self.switch_mode(current)
        from kmstui.app.screens.policies import principal_counts

        self.notify(f"Loaded {source.label}: {len(snapshot.keys)} keys, {principal_counts(snapshot)}.")

    def notify(self, message: str, *, title: str = "", severity="information", timeout: float | None = None,
               markup: bool = False) -> None:
        """Every notification is plain text (messages carry names and errors from outside), controls spelled
        out; a new one replaces those still showing, so toasts never stack over the panes."""
        super().notify(visible(message, keep_lines=True), title=visible(title), severity=severity, timeout=timeout,
                       markup=False)

    def _on_notify(self, event) -> None:
        self._notifications.clear()  # the newest replaces the rest (they arrive as messages, in order)
        super()._on_notify(event)

    def action_section(self, name: str) -> None:
        """Switch to a section (its screen is kept, with its state)."""
        self._back_stack.clear()  # a section chosen by its key starts a new path
        self.switch_mode(name)

    def unsaved_edits(self) -> str | None:
        """What would be lost by quitting now, or None."""
        from kmstui.app.screens.policy_editor import PolicyEditorScreen

        editors = [s for s in self.screen_stack if isinstance(s, PolicyEditorScreen) and s.is_mounted and s.edited]
        if editors:
            return "the policy open in the what-if editor has changes that are not applied"
        trace = self._trace_screen
        if trace is not None and trace.unsaved_edits:
            return f"what-if edits are in effect and not saved ({', '.join(trace.edits)})"
        return None

    async def action_quit(self) -> None:
        """Quit (`q`, `ctrl+q`); with unsaved what-if edits, ask first."""
        from kmstui.app.screens.dialogs import ConfirmScreen

        lost = self.unsaved_edits()
        if lost is None:
            self.exit()
            return
        if isinstance(self.screen, ConfirmScreen):
            return
        self.push_screen(ConfirmScreen(f"Quit kmstui? {lost[:1].upper()}{lost[1:]}: they will be lost "
                                       "(s in the Trace saves them as a snapshot file).",
                                       yes="quit and drop them", no="stay"),
                         lambda yes: self.exit() if yes else None)

    def open_reference(self, tab: str, name: str | None = None) -> None:
        """Show the Reference on ``tab``, with ``name`` selected when given (palette, links)."""
        self.switch_mode("reference")
        screen = self._reference_screen
        if screen is None:
            return
        if name is None:
            screen.action_show_tab(tab)
        elif tab == "actions":
            screen.open_action(name)
        else:
            screen.open_condition_key(name)

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        section_help = getattr(self.screen, "HELP", "") or ""
        self.push_screen(HelpScreen(collect_key_help(self, self.screen), f"{GLOBAL_HELP}\n{section_help}"))

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT_THEME if self.current_theme.dark else DARK_THEME
        self.notify(f"Theme: {self.theme}")


def _snapshot_findings(snapshot: Snapshot) -> list:
    """Findings for the Policies section (empty until the findings module is available)."""
    try:
        from kmstui.analysis.findings import snapshot_findings
    except ImportError:
        return []
    return snapshot_findings(snapshot)


def make_app(theme: str | None = None, reference: Reference | None = None, snapshot: Snapshot | None = None,
             start: str = "reference", source_label: str | None = None, source: Source | None = None) -> KmsTuiApp:
    """The app, on the bundled reference and the demo account unless others are given."""
    if snapshot is None:
        from kmstui.sources.demo import load_demo

        snapshot = load_demo()
        source = source or Source("demo")
        source_label = source_label or source.label
    return KmsTuiApp(reference or load_reference(), snapshot, theme=theme, start=start,
                     source_label=source_label or (source.label if source else ""), source=source)

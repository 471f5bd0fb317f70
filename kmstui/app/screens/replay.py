"""The Replay section: every KMS event of a CloudTrail log, decided and set beside what CloudTrail recorded.

The log is read by the project's one reader (:func:`kmstui.sources.cloudtrail.load_events`: a log file
as delivered to S3, also ``.json.gz``, lookup-events output, JSON lines or one event) and replayed by
:class:`kmstui.analysis.replay.Replayer` in a thread worker with progress; the screen only shows the
rows. With what-if edits in effect in the Trace, the log is replayed against the edited snapshot too,
and the verdicts that change are marked (``Allowed → ImplicitlyDenied``): would the edit break the
traffic we actually have? `enter` opens the event's trace, with its context.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.fuzzy import Matcher
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, ProgressBar, Static
from textual.worker import Worker, WorkerState, get_current_worker

from kmstui.outside_text import outside_text, visible
from kmstui.sources.snapshot import Snapshot
from kmstui.widgets.filter_input import FilterInput
from kmstui.widgets.key_footer import KeyFooter

MAX_SHOWN = 5000  # rows in the table at once; the filter narrows a longer log
PROGRESS_EVERY = 250
NARROW_WIDTH = 110
COLUMNS = ("time", "principal", "action", "key", "CloudTrail", "kmstui", "agree")
WIDE_ORDER = (0, 1, 2, 3, 4, 5, 6)
NARROW_ORDER = (0, 2, 4, 5, 6, 3, 1)  # at 80 columns the outcome, verdict and agreement come first
SHORT_RESULTS = {"Allowed": "allowed", "ExplicitlyDenied": "explicit deny", "ImplicitlyDenied": "implicit deny",
                 "RejectedByKMS": "rejected"}
RESULT_STYLES = {"Allowed": "$success", "ExplicitlyDenied": "bold $error", "ImplicitlyDenied": "$warning",
                 "RejectedByKMS": "$warning"}


def default_log_path(folder: Path | None = None, limit: int = 2000) -> str:
    """The newest CloudTrail-looking file (``*CloudTrail*.json``, ``.json.gz``, ``.jsonl``) in ``folder``, or ""."""
    found: list[tuple[float, str]] = []
    try:
        with os.scandir(folder or Path.cwd()) as entries:
            for number, entry in enumerate(entries):
                if number >= limit:
                    break
                name = entry.name.lower()
                if "cloudtrail" in name and name.endswith((".json", ".json.gz", ".jsonl")) and entry.is_file():
                    found.append((entry.stat().st_mtime, entry.path))
    except OSError:
        return ""
    return max(found)[1] if found else ""


class ReplayScreen(Screen):
    """A CloudTrail log's KMS events: CloudTrail's outcome, kmstui's verdict, agree or not."""

    TITLE = "kmstui"
    SUB_TITLE = "Replay"
    HELP = """\
**Replay** decides every KMS event of a CloudTrail log (a log file as CloudTrail delivers it to S3, also
`.json.gz`; `aws cloudtrail lookup-events` output; JSON lines; one event) against what is loaded, and
sets CloudTrail's outcome beside kmstui's verdict: *agree* or **DISAGREE** (the line under the list
says what kmstui could not see that would explain it). `o` types the log's path (`enter` replays it),
`/` filters the events (principal, action, key, outcome, verdict), `enter` opens the event's trace with
its context. With what-if edits in effect in the Trace, the log is replayed against the edited
policies too and changed verdicts are marked `before → after`: would the edit break the traffic you
actually have? `r` replays the whole log again against the current snapshot; `esc` stops a replay.
"""
    DEFAULT_CSS = """
    ReplayScreen #replay-source { height: auto; border: none; border-top: round $panel; border-title-color: $text-muted; }
    ReplayScreen #replay-source:focus-within { border-top: round $primary; border-title-color: $text; }
    ReplayScreen #replay-path { border: none; height: 1; padding: 0 1; }
    ReplayScreen #replay-summary { height: auto; background: $boost; padding: 0 1; }
    ReplayScreen #replay-pane { height: 1fr; }
    ReplayScreen #replay-table { height: 1fr; }
    ReplayScreen #replay-progress { height: 1; }
    ReplayScreen #replay-progress.-done { display: none; }
    ReplayScreen #replay-details { height: auto; max-height: 8; padding: 0 1; border-top: solid $panel; }
    ReplayScreen.-narrow #replay-details { max-height: 5; }
    """
    BINDINGS = [
        Binding("o", "open_log", "Open log", tooltip="Type the path of a CloudTrail log to replay", id="replay-open"),
        Binding("slash", "filter", "Filter", tooltip="Filter the events (fuzzy: principal, action, key, outcome, verdict)",
                id="replay-filter"),
        Binding("enter", "open_trace", "Trace", tooltip="Open the event's trace, with its context", id="replay-trace"),
        Binding("r", "rerun", "Re-run", tooltip="Replay the whole log again against the current snapshot "
                "(with the Trace's what-if edits)", id="replay-rerun"),
        Binding("escape", "stop", "Stop", tooltip="Stop a replay that is running; in the path: back to the list",
                id="replay-stop", show=False),
    ]

    def __init__(self, snapshot: Snapshot, path: str | None = None) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.path = path if path is not None else default_log_path()
        self.autostart = path is not None
        self.event_log: Any = None
        self.rows: list[Any] = []  # Replayed, against the snapshot in effect
        self.before: list[Any] | None = None  # with what-if edits: the rows against the loaded snapshot
        self.against: Snapshot | None = None  # the snapshot the rows were decided against
        self.edits: list[str] = []
        self.filter_text = ""
        self.replaying = False
        self._aliases: dict[str, str] = {}
        self._accounts: set[str] = set()
        self._shown: list[int] = []  # the event (index into rows) of each table row

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="replay-source") as source:
            source.border_title = "CloudTrail log (enter: replay it)"
            yield Input(self.path, placeholder="path to a CloudTrail log: .json, .json.gz, lookup-events output, JSON lines",
                        id="replay-path")
        yield Static(id="replay-summary")
        with Vertical(id="replay-pane", classes="list-pane") as pane:
            pane.border_title = "Events"
            yield FilterInput(placeholder="filter events…", id="replay-filter-input")
            yield DataTable(id="replay-table", cursor_type="row", zebra_stripes=True)
            yield ProgressBar(id="replay-progress", show_eta=False, classes="-done")
        yield Static(id="replay-details")
        yield KeyFooter()

    def on_mount(self) -> None:
        self._aliases = {k.arn: k.alias_names[0] for k in self.snapshot.keys if k.alias_names}
        self._accounts = {k.account for k in self.snapshot.keys} | {p.arn.split(":")[4] for p in self.snapshot.principals
                                                                     if p.arn.count(":") >= 5}
        table = self.query_one(DataTable)
        self._summary()
        if self.autostart and self.path:
            self.replay(self.path)
            table.focus()
        else:
            self.query_one("#replay-path", Input).focus()

    def on_screen_resume(self) -> None:
        """Back from the Trace: with what-if edits made (or dropped) since, replay against them."""
        if self.event_log is not None and not self.replaying and self._in_effect()[0] is not self.against:
            self.notify("The Trace's what-if edits changed: replaying the log against them.")
            self.replay(self.path)

    # -- replaying -------------------------------------------------------------------------
    def _in_effect(self) -> tuple[Snapshot, list[str]]:
        """The snapshot to replay against: the Trace's what-if copy when it has edits, else the loaded one."""
        in_effect = getattr(self.app, "snapshot_in_effect", None)
        return in_effect() if in_effect is not None else (self.snapshot, [])

    def replay(self, path: str) -> None:
        """Read and replay the log at ``path`` in a worker (a replay already running is cancelled)."""
        self.path = path
        snapshot, edits = self._in_effect()
        self.replaying = True
        progress = self.query_one(ProgressBar)
        progress.update(total=None, progress=0)
        progress.remove_class("-done")
        self.query_one("#replay-summary", Static).update(Content(visible(f" Reading {path}…")))
        self._replay(path, snapshot, self.snapshot if edits else None, edits)

    @work(thread=True, exclusive=True, group="replay", exit_on_error=False)
    def _replay(self, path: str, snapshot: Snapshot, base: Snapshot | None, edits: list[str]) -> None:
        from kmstui.analysis.replay import Replayer
        from kmstui.sources.cloudtrail import load_events
        from kmstui.sources.errors import SourceError

        worker = get_current_worker()
        try:
            log = load_events(path)
        except (SourceError, OSError) as error:
            self.app.call_from_thread(self._failed, str(error))
            return
        events = log.events
        runs = [(base, 0), (snapshot, len(events))] if base is not None else [(snapshot, 0)]
        self.app.call_from_thread(self._started, len(events) * len(runs))
        results = []
        for target, offset in runs:
            replayer = Replayer(target)
            rows = []
            for number, event in enumerate(events, 1):
                if worker.is_cancelled:
                    return
                rows.append(replayer.replay_one(event))
                if number % PROGRESS_EVERY == 0:
                    self.app.call_from_thread(self._progress, offset + number)
            results.append(rows)
        if worker.is_cancelled:
            return
        before, rows = (results[0], results[1]) if base is not None else (None, results[0])
        self.app.call_from_thread(self._done, path, log, rows, before, snapshot, edits)

    def _started(self, total: int) -> None:
        self.query_one(ProgressBar).update(total=max(total, 1), progress=0)

    def _progress(self, done: int) -> None:
        self.query_one(ProgressBar).update(progress=done)

    def _failed(self, message: str) -> None:
        self.replaying = False
        self.query_one(ProgressBar).add_class("-done")
        self._summary()
        self.notify(message, title="Cannot replay", severity="error", timeout=10)
        self.query_one("#replay-path", Input).focus()

    def _done(self, path: str, log: Any, rows: list[Any], before: list[Any] | None, against: Snapshot,
              edits: list[str]) -> None:
        self.replaying = False
        self.event_log, self.rows, self.before, self.against, self.edits = log, rows, before, against, edits
        self.app.replay_path = path  # type: ignore[attr-defined]  # a reload of the snapshot replays it again
        self.query_one(ProgressBar).add_class("-done")
        self._summary()
        self._refill()
        if not log.events:
            self.notify(f"No KMS event to replay in {path}" + (f" ({log.other_events} events of other services)"
                                                                 if log.other_events else "") + ".", severity="warning")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "replay" and event.state == WorkerState.ERROR:
            self._failed(f"The replay stopped: {event.worker.error}")

    # -- showing ---------------------------------------------------------------------------
    def _summary(self) -> None:
        summary = self.query_one("#replay-summary", Static)
        if self.event_log is None:
            summary.update(Content.assemble(" ", ("No log replayed yet.", "bold"),
                                            " Type a CloudTrail log's path above and press enter (o: the path)."))
            return
        from kmstui.analysis.replay import changes, counts

        found = counts(self.rows)
        parts: list = [" ", (f"{found['events']} KMS events", "bold"), f": {found['agree']} agree, ",
                       (f"{found['disagree']} disagree", "bold $error" if found["disagree"] else ""),
                       f", {found['not_evaluated']} not evaluated  ·  CloudTrail {found['cloudtrail_denied']} denied, "
                       f"{found['cloudtrail_allowed']} allowed, {found['cloudtrail_failed']} failed  ·  "
                       f"{len(self.event_log.skipped)} skipped, {self.event_log.other_events} other events"]
        if self.before is not None:
            changed = changes(self.before, self.rows)
            stop = sum(1 for c in changed if c.direction == "stops working")
            start = sum(1 for c in changed if c.direction == "starts working")
            parts += ["\n ", ("What-if", "bold $accent"), visible(f" ({', '.join(self.edits)}): "),
                      (f"{stop} would stop working", "bold $error" if stop else ""), f", {start} would start working, "
                      f"{len(changed) - stop - start} other changes (marked before → after)"]
        summary.update(Content.assemble(*parts))

    def _cells(self, index: int) -> tuple[list[Any], list[str]]:
        """The row's cells (short: the details below say it all), and the texts the filter matches."""
        row = self.rows[index]
        event = row.event
        before = self.before[index] if self.before is not None else None
        result = SHORT_RESULTS.get(row.result or "", "not evaluated")
        changed = before is not None and before.result != row.result
        if changed:
            result = f"{SHORT_RESULTS.get(before.result or '', '-')} → {result}"
        agree = "-" if row.agrees is None else "agree" if row.agrees else "DISAGREE"
        principal = _clip(self._who(event.principal), 22)
        keys = _clip(" → ".join(self._key_name(r) for r in dict.fromkeys(event.resources)), 20)
        texts = [event.time[5:19].replace("T", " "), principal, event.action.removeprefix("kms:"), keys, event.outcome,
                 result, agree]
        styles = ["", "", "", "", "$error" if event.outcome == "denied" else "$warning" if event.outcome == "failed" else "",
                  RESULT_STYLES.get(row.result or "", "$text-muted") + (" bold" if changed else ""),
                  {"agree": "$success", "DISAGREE": "bold $error"}.get(agree, "$text-muted")]
        cells = [outside_text(text) if not style else Content.styled(visible(text), style) for text, style in zip(texts, styles)]
        haystack = texts + [event.principal, " ".join(event.resources), row.result or "", event.error_code or "", event.id]
        return cells, haystack

    def _who(self, principal: str) -> str:
        """An ARN of the loaded account without its account (``user/alice``); others with it; services as they are."""
        parts = principal.split(":", 5)
        if principal.startswith("arn:") and len(parts) == 6:
            return parts[5] if parts[4] in self._accounts else f"{parts[4]}:{parts[5]}"
        return principal

    def _key_name(self, resource: str) -> str:
        if resource in self._aliases:
            return self._aliases[resource]
        return resource.rsplit("/", 1)[-1] if ":key/" in resource else resource

    def on_resize(self) -> None:
        narrow = self.size.width < NARROW_WIDTH
        if narrow != self.has_class("-narrow"):
            self.set_class(narrow, "-narrow")
            self._refill()

    def _refill(self) -> None:
        table = self.query_one(DataTable)
        table.clear(columns=True)
        query = self.filter_text
        matcher = Matcher(query) if query else None
        chosen: list[tuple[float, int, list[Any]]] = []
        self._texts: dict[int, list[str]] = {}
        for index in range(len(self.rows)):
            cells, texts = self._cells(index)
            self._texts[index] = texts
            if matcher is None:
                chosen.append((0.0, index, cells))
                if len(chosen) >= MAX_SHOWN:
                    break
                continue
            score = max(matcher.match(visible(text)) for text in texts)
            if score > 0:
                chosen.append((-score, index, cells))
        if matcher is not None:
            chosen.sort(key=lambda item: (item[0], item[1]))  # best first; ties in the log's order
        order = NARROW_ORDER if self.has_class("-narrow") else WIDE_ORDER
        shown = chosen[:MAX_SHOWN]
        for column in order:  # widths from the texts: styled cells are not measured
            width = max([len(COLUMNS[column])] + [len(visible(self._texts[index][column])) for _, index, _ in shown])
            table.add_column(COLUMNS[column], key=str(column), width=width)
        table.add_rows([[cells[column] for column in order] for _, _, cells in shown])
        self._shown = [index for _, index, _ in chosen[:MAX_SHOWN]]
        total = len(self.rows)
        pane = self.query_one("#replay-pane")
        if query:
            pane.border_subtitle = f"{len(chosen)} of {total}" if chosen else f"nothing matches “{visible(query)}”"
        else:
            pane.border_subtitle = f"{min(total, MAX_SHOWN)} of {total} (/ narrows)" if total > MAX_SHOWN else f"{total}"
        self._details()

    @property
    def current_row(self) -> Any:
        """The highlighted event's row (Replayed), or None."""
        table = self.query_one(DataTable)
        shown = getattr(self, "_shown", [])
        if not shown or table.cursor_row is None or table.cursor_row >= len(shown):
            return None
        return self.rows[shown[table.cursor_row]]

    @on(DataTable.RowHighlighted)
    def _details(self, event: object = None) -> None:
        details = self.query_one("#replay-details", Static)
        row = self.current_row
        if row is None:
            details.update("")
            return
        recorded = row.event
        parts: list = [(visible(f"{recorded.name} {recorded.id}"), "bold"),
                       visible(f"  {recorded.time}  by {recorded.principal} ({recorded.identity_type})") + "\n"]
        if row.comparison is not None:
            parts.append(f"{visible(row.comparison.note)}.")
            if row.comparison.message is not None:
                parts.append(f" AWS's message: {visible(row.comparison.message_note)}.")
            parts.append("\n")
        parts.append((f"{visible(row.summary)}\n", "dim"))
        if row.comparison is not None and row.comparison.could_not_see:
            parts += [("Could not see: ", "bold"), visible("; ".join(row.comparison.could_not_see[:3])) + "\n"]
        parts.append(("enter: its trace, with the event's context", "dim italic"))
        details.update(Content.assemble(*parts))

    # -- actions ---------------------------------------------------------------------------
    @on(Input.Submitted, "#replay-path")
    def _path_submitted(self, event: Input.Submitted) -> None:
        path = event.value.strip()
        if not path:
            self.notify("Type the path of a CloudTrail log, or esc to go back to the list.", severity="warning")
            return
        self.query_one(DataTable).focus()
        self.replay(str(Path(path).expanduser()))

    def action_open_log(self) -> None:
        self.query_one("#replay-path", Input).focus()

    def action_rerun(self) -> None:
        if not self.path:
            self.action_open_log()
            return
        self.replay(self.path)

    def action_filter(self) -> None:
        self.query_one(FilterInput).open()

    @on(FilterInput.Changed, "#replay-filter-input")
    def _filtered(self, event: FilterInput.Changed) -> None:
        self.filter_text = event.value.strip()
        self._refill()

    @on(FilterInput.Done)
    def _filter_done(self, event: FilterInput.Done) -> None:
        self.query_one(DataTable).focus()

    def action_stop(self) -> None:
        if self.focused is self.query_one("#replay-path", Input):
            self.query_one(DataTable).focus()
            return
        if self.replaying:
            self.workers.cancel_group(self, "replay")
            self.replaying = False
            self.query_one(ProgressBar).add_class("-done")
            self._summary()
            self.notify("Replay stopped.")

    def action_open_trace(self) -> None:
        row = self.current_row
        if row is None:
            return
        opener = getattr(self.app, "open_trace_from", None)
        if opener is not None:
            opener(row.event)

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_trace()


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"

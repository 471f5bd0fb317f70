"""Loading from the app: a file or folder, an AWS account (profile and regions), or a cached snapshot.

Loads run in a thread worker with a progress bar per phase; `esc` cancels a running load: the
loader stops waiting at once (its calls are abandoned, never waited for), the worker ends, and the
dialog says so (nothing is half-loaded: the current data stays); `esc` again closes it. Errors become
a notification with the loader's hint (for example "run `aws sso login --profile X`"). An account
load says whose data it is (the account the credentials resolved to), and that is the app's
subtitle. The dialog returns ``(snapshot, source)``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList, Suggester
from textual.widgets import Button, Input, Label, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from kmstui.outside_text import outside_text, visible
from kmstui.sources.errors import LoadCancelled, SourceError
from kmstui.sources.snapshot import Snapshot, SnapshotError


@dataclass(frozen=True)
class Source:
    """What was loaded, so `ctrl+r` can load it again."""

    kind: str  # path, account, demo
    path: str | None = None
    profile: str | None = None
    regions: tuple[str, ...] = ()
    endpoint_url: str | None = None
    account: str | None = None  # whose data: the account the credentials resolved to (once loaded)
    note: str = ""  # "cached, 5 min old" or "loaded now"

    @property
    def label(self) -> str:
        """Plain text (it may hold outside strings: a path, a profile); shown through ``visible``."""
        if self.kind == "path":
            return visible(self.path)
        if self.kind == "account":
            where = f"profile {self.profile or 'default'} · {', '.join(self.regions) or 'default region'}"
            whose = f"account {self.account} · " if self.account else ""
            return visible(f"{whose}{where}{f' · {self.note}' if self.note else ''}")
        return "demo account"


def load_source(source: Source, progress: Any = None, cancel: threading.Event | None = None,
                refresh: bool = True) -> Snapshot:
    """Load a Source again (ctrl+r); an account source refuses credentials that now belong to another account."""
    return load_source_whose(source, progress, cancel, refresh)[0]


def load_source_whose(source: Source, progress: Any = None, cancel: threading.Event | None = None,
                      refresh: bool = True) -> tuple[Snapshot, Source]:
    """Load a Source; for an account, the Source comes back naming whose data it is (and caches the load)."""
    if source.kind == "demo":
        from kmstui.sources.demo import load_demo

        return load_demo(), source
    if source.kind == "path":
        from kmstui.sources.files import load_path

        return load_path(source.path or ""), source
    from dataclasses import replace

    from kmstui.sources.cache import load_account_cached
    from kmstui.sources.limits import limits_from

    data = load_account_cached(source.profile, source.regions, source.endpoint_url, refresh=refresh,
                               progress=progress, cancel=cancel, limits=limits_from(),
                               expected_account=source.account)
    note = f"cached, {data.cached.age_text}" if data.cached is not None else "loaded now"
    return data.snapshot, replace(source, regions=data.whose.regions, account=data.whose.account, note=note)


class LastItemSuggester(Suggester):
    """Completes the last item of a comma-separated list (``us-east-1, eu-we`` → ``eu-west-1``)."""

    def __init__(self, items: list[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.items = items

    async def get_suggestion(self, value: str) -> str | None:
        head, _, last = value.rpartition(",")
        last = last.lstrip()
        if not last:
            return None
        match = next((item for item in self.items if item.startswith(last)), None)
        if match is None:
            return None
        return (head + ", " if head else "") + match


class LoadScreen(ModalScreen[tuple[Snapshot, Source] | None]):
    """Choose what to load; shows progress; returns the loaded Snapshot and its Source."""

    DEFAULT_CSS = """
    LoadScreen { align: center middle; }
    LoadScreen > Vertical { width: 90%; max-width: 110; height: auto; max-height: 90%; border: round $primary;
        background: $surface; padding: 0 1; }
    LoadScreen Label { margin-top: 1; color: $text-muted; }
    LoadScreen Horizontal { height: auto; }
    LoadScreen Input { width: 1fr; }
    LoadScreen OptionList { height: auto; max-height: 8; }
    LoadScreen #load-status { height: auto; margin-top: 1; }
    LoadScreen ProgressBar { margin-top: 1; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", tooltip="Cancel the running load, or close", id="load-cancel"),
        Binding("ctrl+d", "load_demo", "Demo", tooltip="Load the bundled demo account", id="load-demo", priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._cancel: threading.Event | None = None  # set while a load runs (until its worker has ended)
        self._close_when_stopped = False
        self.profiles: list[str] = []
        self.regions: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Load · enter loads the field you are in · esc cancels"
            yield Label("A snapshot, a file of saved AWS CLI output, or a folder of them")
            with Horizontal():
                yield Input(placeholder="path: ./exports or snap.json", id="load-path")
                yield Button("Load files", id="load-path-button")
            yield Label("An AWS account, read-only (only the read calls kmstui lists)")
            with Horizontal():
                yield Input(placeholder="profile", id="load-profile")
                yield Input(placeholder="regions", id="load-regions")
                yield Input(placeholder="endpoint", id="load-endpoint")
                yield Button("Load account", id="load-account-button")
            with Horizontal():
                yield Label("Or the bundled demo account (ctrl+d)")
                yield Button("Load the demo", id="load-demo-button")
            yield Label("Cached account snapshots (enter: open)")
            yield OptionList(id="load-cached")
            yield Static(id="load-status")
            yield ProgressBar(id="load-progress", show_eta=False)

    def on_mount(self) -> None:
        self.query_one("#load-path", Input).focus()
        self._list_cached()
        self._offer_profiles_and_regions()

    @work(thread=True, group="load-choices")
    def _offer_profiles_and_regions(self) -> None:
        """Suggest the configured profiles and KMS's regions as you type (botocore loads off the UI thread)."""
        try:
            import botocore.session

            session = botocore.session.Session()
            profiles = sorted(session.available_profiles)
            regions = sorted(session.get_available_regions("kms"))
        except Exception:  # noqa: BLE001 - suggestions are a convenience; a broken config must not stop loading
            return
        self.app.call_from_thread(self._set_suggestions, profiles, regions)

    def _set_suggestions(self, profiles: list[str], regions: list[str]) -> None:
        self.query_one("#load-profile", Input).suggester = SuggestFromList(profiles, case_sensitive=True)
        self.query_one("#load-regions", Input).suggester = LastItemSuggester(regions)
        self.profiles, self.regions = profiles, regions

    def _list_cached(self) -> None:
        """The cached account snapshots, each with whose it is and its age (a broken cache lists none)."""
        from kmstui.sources.cache import SnapshotCache, age_text

        options = self.query_one("#load-cached", OptionList)
        warnings: list[str] = []
        with SnapshotCache(warn=warnings.append) as cache:
            entries = cache.entries()
        for warning in warnings:
            self.notify(visible(warning), title="Snapshot cache", severity="warning", markup=False)
        self._cached = entries
        for entry in entries:
            age = age_text(time.time() - entry.saved_at)
            options.add_option(Option(outside_text(f"{entry.whose.label} · {age}")))
        if not entries:
            options.add_option(Option("(none yet)", disabled=True))

    # -- starting loads ----------------------------------------------------------------------
    @on(Input.Submitted, "#load-path")
    @on(Button.Pressed, "#load-path-button")
    def _load_path(self) -> None:
        path = self.query_one("#load-path", Input).value.strip()
        if not path:
            self.notify("Type a path first.", severity="warning")
            return
        self._start(Source("path", path=path))

    @on(Input.Submitted, "#load-profile, #load-regions, #load-endpoint")
    @on(Button.Pressed, "#load-account-button")
    def _load_account(self) -> None:
        profile = self.query_one("#load-profile", Input).value.strip() or None
        regions = tuple(r.strip() for r in self.query_one("#load-regions", Input).value.split(",") if r.strip())
        endpoint = self.query_one("#load-endpoint", Input).value.strip() or None
        self._start(Source("account", profile=profile, regions=regions, endpoint_url=endpoint))

    @on(Button.Pressed, "#load-demo-button")
    def action_load_demo(self) -> None:
        self._start(Source("demo"))

    @on(OptionList.OptionSelected, "#load-cached")
    def _load_cached(self, event: OptionList.OptionSelected) -> None:
        whose = self._cached[event.option_index].whose
        source = Source("account", profile=whose.profile, regions=whose.regions, endpoint_url=whose.endpoint,
                        account=whose.account)
        self._start(source, refresh=False)  # used only if the credentials are still this account's

    def _start(self, source: Source, refresh: bool = True) -> None:
        if self._cancel is not None:
            self.notify("A load is already running (esc cancels it).", severity="warning")
            return
        self._cancel = threading.Event()
        self._close_when_stopped = False
        self.query_one("#load-status", Static).update(outside_text(f"Loading {source.label}…"))
        self._run(source, self._cancel, refresh)

    @work(thread=True, exclusive=True, group="load")
    def _run(self, source: Source, cancel: threading.Event, refresh: bool) -> None:
        def progress(phase: str, done: int, total: int) -> None:
            self.app.call_from_thread(self._progress, phase, done, total)

        try:
            snapshot, loaded = load_source_whose(source, progress, cancel, refresh)
        except LoadCancelled as error:
            self.app.call_from_thread(self._stopped, str(error))
            return
        except (SourceError, SnapshotError) as error:
            self.app.call_from_thread(self._failed, str(error))
            return
        except Exception as error:  # noqa: BLE001 - a load must never take the app down
            self.app.call_from_thread(self._failed, f"{type(error).__name__}: {error}")
            return
        if cancel.is_set():  # cancelled as it finished: keep the promise that nothing changes
            self.app.call_from_thread(self._stopped, "load cancelled; nothing was kept")
            return
        self.app.call_from_thread(self._done, snapshot, loaded)

    def _progress(self, phase: str, done: int, total: int) -> None:
        if self._cancel is None or self._cancel.is_set():
            return  # a late report from a load being cancelled
        self.query_one("#load-status", Static).update(outside_text(f"{phase}: {done} of {total}"))
        self.query_one(ProgressBar).update(total=max(total, 1), progress=done)

    def _failed(self, message: str) -> None:
        self._cancel = None
        self.query_one("#load-status", Static).update(outside_text(f"✗ {message}"))
        self.notify(visible(message), title="Load failed", severity="error", timeout=10, markup=False)
        if self._close_when_stopped:
            self.dismiss(None)

    def _stopped(self, message: str) -> None:
        """The cancelled load's worker has ended: say what was kept (nothing: the current data stays)."""
        self._cancel = None
        self.query_one("#load-status", Static).update(
            outside_text(f"✗ {message[:1].upper()}{message[1:]}. The current data stays; esc closes."))
        if self._close_when_stopped:
            self.dismiss(None)

    def _done(self, snapshot: Snapshot, source: Source) -> None:
        self._cancel = None
        if source.account:
            self.notify(visible(f"Showing {source.label}"), title="Loaded", markup=False)
        if snapshot.errors:
            self.notify(f"{len(snapshot.errors)} item(s) could not be loaded: see Load errors in Policies.",
                        severity="warning")
        self.dismiss((snapshot, source))

    def action_cancel(self) -> None:
        """First esc cancels a running load (the dialog stays until its worker has ended); esc again
        closes the dialog as soon as it has; with no load running, esc closes."""
        if self._cancel is not None:
            if self._cancel.is_set():
                self._close_when_stopped = True
                self.query_one("#load-status", Static).update("Stopping… the dialog closes when the load has stopped")
                return
            self._cancel.set()
            self.query_one("#load-status", Static).update("Cancelling… (the current data stays)")
            return
        self.dismiss(None)

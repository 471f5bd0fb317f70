"""Loading from the app: a file or folder, an AWS account (profile and regions), or a cached snapshot.

Loads run in a thread worker with a progress bar per phase; `esc` cancels a running load (nothing
is half-loaded: the current data stays). Errors become a notification with the loader's hint (for
example "run `aws sso login --profile X`"). The dialog returns ``(snapshot, label, source)``.
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

from kmstui.sources.snapshot import Snapshot, SnapshotError
from kmstui.sources.errors import SourceError


@dataclass(frozen=True)
class Source:
    """What was loaded, so `ctrl+r` can load it again."""

    kind: str  # path, account, demo
    path: str | None = None
    profile: str | None = None
    regions: tuple[str, ...] = ()
    endpoint_url: str | None = None

    @property
    def label(self) -> str:
        if self.kind == "path":
            return str(self.path)
        if self.kind == "account":
            return f"profile {self.profile or 'default'} · {', '.join(self.regions) or 'default region'}"
        return "demo account"


def load_source(source: Source, progress: Any = None, cancel: threading.Event | None = None,
                refresh: bool = True) -> Snapshot:
    """Load a Source (used by the dialog's worker and by ctrl+r); caches account loads."""
    if source.kind == "demo":
        from kmstui.sources.demo import load_demo

        return load_demo()
    if source.kind == "path":
        from kmstui.sources.files import load_path

        return load_path(source.path or "")
    from kmstui.sources.cache import load_account_cached

    snapshot, _ = load_account_cached(source.profile, source.regions, source.endpoint_url, refresh=refresh,
                                      progress=progress, cancel=cancel)
    return snapshot


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
    ]

    def __init__(self) -> None:
        super().__init__()
        self._cancel: threading.Event | None = None
        self.profiles: list[str] = []
        self.regions: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Load · enter loads the field you are in · esc cancels"
            yield Label("A snapshot, a file of saved AWS CLI output, or a folder of them")
            with Horizontal():
                yield Input(placeholder="path, e.g. ./exports or snap.json", id="load-path")
                yield Button("Load files", id="load-path-button")
            yield Label("An AWS account, read-only (List*, Get*, Describe* only)")
            with Horizontal():
                yield Input(placeholder="profile (empty: default)", id="load-profile")
                yield Input(placeholder="regions, comma-separated", id="load-regions")
                yield Input(placeholder="endpoint URL (optional)", id="load-endpoint")
                yield Button("Load account", id="load-account-button")
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
        from kmstui.sources.cache import SnapshotCache, age_text

        options = self.query_one("#load-cached", OptionList)
        try:
            with SnapshotCache() as cache:
                entries = cache.entries()
        except OSError:
            entries = []
        self._cached = entries
        for key, saved_at in entries:
            _, profile, regions, endpoint = (key.split("|") + ["", "", "", ""])[:4]
            age = age_text(time.time() - saved_at)
            options.add_option(Option(f"{profile} · {regions} · {endpoint} · {age}"))
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

    @on(OptionList.OptionSelected, "#load-cached")
    def _load_cached(self, event: OptionList.OptionSelected) -> None:
        key, _ = self._cached[event.option_index]
        _, profile, regions, endpoint = (key.split("|") + ["", "", "", ""])[:4]
        source = Source("account", profile=None if profile == "(default)" else profile,
                        regions=() if regions == "(default)" else tuple(regions.split(",")),
                        endpoint_url=None if endpoint == "aws" else endpoint)
        self._start(source, refresh=False)

    def _start(self, source: Source, refresh: bool = True) -> None:
        if self._cancel is not None:
            self.notify("A load is already running (esc cancels it).", severity="warning")
            return
        self._cancel = threading.Event()
        self.query_one("#load-status", Static).update(f"Loading {source.label}…")
        self._run(source, self._cancel, refresh)

    @work(thread=True, exclusive=True, group="load")
    def _run(self, source: Source, cancel: threading.Event, refresh: bool) -> None:
        def progress(phase: str, done: int, total: int) -> None:
            self.app.call_from_thread(self._progress, phase, done, total)

        try:
            snapshot = load_source(source, progress, cancel, refresh)
        except (SourceError, SnapshotError) as error:
            self.app.call_from_thread(self._failed, str(error))
            return
        self.app.call_from_thread(self._done, snapshot, source)

    def _progress(self, phase: str, done: int, total: int) -> None:
        self.query_one("#load-status", Static).update(f"{phase}: {done} of {total}")
        self.query_one(ProgressBar).update(total=max(total, 1), progress=done)

    def _failed(self, message: str) -> None:
        self._cancel = None
        self.query_one("#load-status", Static).update(f"✗ {message}")
        self.notify(message, title="Load failed", severity="error", timeout=10)

    def _done(self, snapshot: Snapshot, source: Source) -> None:
        self._cancel = None
        if snapshot.errors:
            self.notify(f"{len(snapshot.errors)} item(s) could not be loaded: see Load errors in Policies.",
                        severity="warning")
        self.dismiss((snapshot, source))

    def action_cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self.query_one("#load-status", Static).update("Cancelling… (the current data stays)")
            self._cancel = None
            return
        self.dismiss(None)


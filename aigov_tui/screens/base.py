"""The wizard frame every step screen shares: header, stepper, body, footer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..core.steps import STEPS, Step, all_statuses
from ..widgets.app_header import AppHeader
from ..widgets.stepper import Stepper

if TYPE_CHECKING:
    from .workbench import Workbench


class StepScreen(Screen[None]):
    """Base of the seven step screens. Subclasses set NUMBER and write ``compose_body``."""

    NUMBER = 0
    BINDINGS = [
        Binding("right_square_bracket", "app.next_step", "Next", key_display="]",
                tooltip="Go to the next step"),
        Binding("left_square_bracket", "app.prev_step", "Prev", key_display="[",
                tooltip="Go to the previous step"),
        *[Binding(str(n), f"app.goto_step({n})", f"Step {n}", show=False,
                  tooltip=f"Go to step {n}: {STEPS[n - 1].title}") for n in range(1, 8)],
        Binding("0", "app.goto_step(0)", "Dashboard", show=False,
                tooltip="Readiness dashboard: how ready the assessment is and where the holes are"),
        Binding("8", "app.goto_step(8)", "Vendors", show=False,
                tooltip="AI vendors: register, questionnaire, certifications, actions"),
        Binding("9", "app.goto_step(9)", "Incidents", show=False,
                tooltip="AI incidents: log, timeline, notification deadlines"),
        Binding("x", "clear_link_filter", "Clear filter", show=False,
                tooltip="Show every record again after following a dashboard figure"),
    ]
    pending_link: tuple[str, str, tuple[str, ...], str] | None = None
    """(tab, view id, record IDs, label) to show once mounted: a dashboard figure's records."""

    @property
    def step(self) -> Step:
        return STEPS[self.NUMBER - 1]

    @property
    def aigov(self) -> "Workbench":
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield AppHeader(id="app-header")
        yield Stepper(id="stepper")
        with Vertical(id="step-body"):
            yield Static(self.title_text(), id="step-title")
            yield from self.compose_body()
        yield Footer()

    def title_text(self) -> str:
        return f"Step {self.step.number} · {self.step.title}"

    def compose_body(self) -> ComposeResult:
        yield from ()

    then: Callable[[], object] | None = None
    """Something to do once this screen is shown (a palette action, a jump to a record)."""
    _base_mounted = False

    def on_mount(self) -> None:
        # Textual calls each class's on_mount, and subclasses also call super(): run once
        if self._base_mounted:
            return
        self._base_mounted = True
        self.query_one(Stepper).current = self.NUMBER
        self.refresh_status()
        if self.pending_link is not None:
            self.call_after_refresh(self._apply_pending_link)
        if self.then is not None:
            then, self.then = self.then, None
            self.call_after_refresh(then)

    def _apply_pending_link(self) -> None:
        """Open the tab and filter the view to the records behind a dashboard figure."""
        from textual.widgets import TabbedContent

        from ..widgets.register_view import RegisterView

        if self.pending_link is None:
            return
        tab, view_id, ids, label = self.pending_link
        self.pending_link = None
        if tab and self.query(TabbedContent):
            self.action_tab(tab)
        if view_id:
            view = self.query_one(f"#{view_id}", RegisterView)
            if ids:
                wanted = set(ids)
                view.set_filter(lambda r: str(r.get("id")) in wanted, f"{label} (x shows all)")
            self.call_after_refresh(view.table.query_one("#table").focus)

    def action_clear_link_filter(self) -> None:
        from ..widgets.register_view import RegisterView

        for view in self.query(RegisterView):
            if view._filter is not None:
                view.set_filter(None)

    def refresh_status(self) -> None:
        """The stepper's completion states, from the problem index (which catches up with the
        last edits only). Until the index's first check has run, the stepper waits."""
        session = self.aigov.session
        if session is None or not session.index.ready:
            return
        self.query_one(Stepper).statuses = all_statuses(
            session.assessment, self.aigov.catalogs, self.aigov.today(), session.index)

    def problems_ready(self) -> None:
        """The first full check finished (after opening): show statuses and problem marks."""
        from ..widgets.register_view import RegisterView

        self.refresh_status()
        for view in self.query(RegisterView):
            view.refresh_records(view.table.selected_id)

    def step_commands(self) -> Iterable[tuple[str, str, object]]:
        """Extra command-palette entries while this step is shown: (title, help, callback)."""
        return ()

    # shared by steps laid out as tabs of registers ------------------------------------------
    TAB_FOCUS: dict[str, str] = {}
    """Tab id -> selector of the widget to focus when the tab is shown."""

    def action_tab(self, tab: str) -> None:
        from textual.widgets import TabbedContent

        self.query_one(TabbedContent).active = tab
        target = self.TAB_FOCUS.get(tab)
        if target:
            self.call_after_refresh(lambda: self.query_one(target).focus())

    def show_record(self, register: str, record_id: str) -> None:
        """Show a record named by a problem or gap: its tab, its row selected, filters cleared."""
        from textual.widgets import TabbedContent, TabPane

        from ..widgets.register_view import RegisterView

        if register in ("profile", "risk_method"):
            self.action_tab("tab-org" if register == "profile" else "tab-method")
            return
        for view in self.query(RegisterView):
            if view.register.name != register:
                continue
            pane = next((a for a in view.ancestors if isinstance(a, TabPane)), None)
            if pane is not None and pane.id:
                self.query_one(TabbedContent).active = pane.id
            if view._filter is not None:
                clear = getattr(self, "action_clear_filter", None)
                if clear is not None:
                    clear()
                view.set_filter(None)
            if not view.table.select(record_id):
                self.notify(f"{record_id} is not in the {view.register.title} any more.", severity="warning")
            return

    def journal_added(self, label: str, table: str, ids: list[str]) -> None:
        """Tell the undo journal a change added these records (undo removes them)."""
        session = self.aigov.session
        if session is None or not ids:
            return
        entry = session.journal.begin(label)
        for rid in ids:
            entry.keep_added(table, rid)
        session.journal.commit(entry)

    def after_undo(self, message: str) -> None:
        """After ctrl+z put records back: save, refresh what this step shows, say what was undone."""
        self.after_change(message)

    def after_change(self, message: str = "") -> None:
        """Save in the background, refresh every register view and the stepper, tell the user."""
        from ..widgets.register_view import RegisterView

        self.aigov.assessment_changed()
        for view in self.query(RegisterView):
            view.refresh_records(view.table.selected_id)
        self.refresh_status()
        if message:
            self.notify(message, timeout=4)

"""The wizard frame every step screen shares: header, stepper, body, footer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..core.steps import STEPS, Step, step_status
from ..widgets.app_header import AppHeader
from ..widgets.stepper import Stepper

if TYPE_CHECKING:
    from ..app import AigovApp


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
    ]

    @property
    def step(self) -> Step:
        return STEPS[self.NUMBER - 1]

    @property
    def aigov(self) -> "AigovApp":
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield AppHeader(id="app-header")
        yield Stepper(id="stepper")
        with Vertical(id="step-body"):
            yield Static(f"Step {self.step.number} · {self.step.title}", id="step-title")
            yield from self.compose_body()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        yield from ()

    then: Callable[[], object] | None = None
    """Something to do once this screen is shown (a palette action, a jump to a record)."""

    def on_mount(self) -> None:
        self.query_one(Stepper).current = self.NUMBER
        self.refresh_status()
        if self.then is not None:
            then, self.then = self.then, None
            self.call_after_refresh(then)

    def refresh_status(self) -> None:
        """Recompute every step's completion state for the stepper."""
        session = self.aigov.session
        if session is None:
            return
        self.query_one(Stepper).statuses = tuple(
            step_status(session.assessment, s.number, self.aigov.catalogs, self.aigov.today())
            for s in STEPS)

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

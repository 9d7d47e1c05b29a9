"""The wizard frame every step screen shares: header, stepper, body, footer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

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

    def on_mount(self) -> None:
        self.query_one(Stepper).current = self.NUMBER
        self.refresh_status()

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

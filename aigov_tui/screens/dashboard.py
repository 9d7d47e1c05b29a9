"""The readiness dashboard: the first screen after an assessment opens, and `0` from anywhere.

Every figure is a line of one list; Enter on it opens the step, tab and filter that show the
records behind it. Holes are marked `!` and shown in bold red, so they read without colour.
"""

from __future__ import annotations

from typing import Any, Iterable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..core import dashboard
from ..core.steps import Step
from .base import StepScreen

DASHBOARD = Step(0, "Dashboard", "Readiness dashboard",
                 "How ready the assessment is and where the holes are.")


class DashboardScreen(StepScreen):
    NUMBER = 0
    BINDINGS = [
        Binding("r", "recompute", "Refresh", tooltip="Compute the dashboard again"),
    ]
    DEFAULT_CSS = """
    DashboardScreen #figures { height: 1fr; border: none; padding: 0; }
    DashboardScreen #figures > .option-list--option-disabled { color: $text; text-style: bold; }
    """

    @property
    def step(self) -> Step:
        return DASHBOARD

    def title_text(self) -> str:
        return "Readiness dashboard · Enter opens the records behind a figure · ! marks a hole"

    def compose_body(self) -> ComposeResult:
        yield Static("", id="dash-computed", classes="hint")
        yield OptionList(id="figures")

    def on_mount(self) -> None:
        super().on_mount()
        self.action_recompute()
        self.query_one("#figures").focus()

    def action_recompute(self) -> None:
        session = self.aigov.session
        if session is None:
            return
        now = self.aigov.now()
        self.data = dashboard.compute(session.assessment, self.aigov.catalogs, now)
        self.query_one("#dash-computed", Static).update(
            f"Computed {now:%Y-%m-%d %H:%M}. {sum(f.alert for f in self.data.figures)} figures need "
            "attention. 1-7 steps · 8 vendors · 9 incidents · r refresh")
        options = self.query_one("#figures", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        items: list[Option | None] = []
        for section in dashboard.SECTIONS:
            figures = self.data.section(section)
            if not figures:
                continue
            if items:
                items.append(None)
            items.append(Option(Text(section.upper(), style="bold"), disabled=True))
            items.extend(Option(self._prompt(f), id=f.key) for f in figures)
        options.add_options(items)
        if highlighted is not None and highlighted < options.option_count:
            options.highlighted = highlighted
        else:
            options.highlighted = 1

    @staticmethod
    def _prompt(f: dashboard.Figure) -> Text:
        text = Text()
        text.append("! " if f.alert else "\u00a0\u00a0", style="bold red" if f.alert else "")
        if f.section == "Steps":
            text.append(f"{f.label:<12}", style="bold")
            text.append(f.value, style="bold red" if f.alert else "")
        else:
            text.append(f"{f.label:<44}")
            text.append(f" {f.value:>6}", style="bold red" if f.alert else "bold")
        return text

    @on(OptionList.OptionSelected, "#figures")
    def _open(self, event: OptionList.OptionSelected) -> None:
        key = event.option.id
        figure = next((f for f in self.data.figures if f.key == key), None)
        if figure is None or figure.link is None:
            return
        self.aigov.open_link(figure.link, figure.ids, figure.filter_label)

    def after_change(self, message: str = "") -> None:
        self.action_recompute()
        super().after_change(message)

    def step_commands(self) -> Iterable[tuple[str, str, Any]]:
        yield ("Refresh the dashboard", "Compute every figure again", self.action_recompute)

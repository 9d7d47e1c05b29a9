"""The seven wizard steps in one line, with each step's completion state."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ..core.steps import STEPS, Status

MARKS = {
    Status.COMPLETE: "✓",
    Status.IN_PROGRESS: "•",
    Status.NOT_STARTED: "○",
}


class Stepper(Widget):
    """Renders ``1 Scope ✓  2 Assets –  …``; the current step is highlighted.

    The marks carry the state without colour (✓ complete, • in progress, ○ not started), so
    it reads in 16 colours and on a projector.
    """

    DEFAULT_CSS = """
    Stepper { height: 1; width: 1fr; }
    """

    current: reactive[int] = reactive(1)
    statuses: reactive[tuple[Status, ...]] = reactive(tuple(Status.NOT_STARTED for _ in STEPS))

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        full = sum(len(f"{s.number} {s.short} x") + 1 for s in STEPS) + 2
        wide = self.size.width >= full
        for step, status in zip(STEPS, self.statuses):
            current = step.number == self.current
            name = f" {step.short}" if wide or current else ""
            label = f"{step.number}{name} {MARKS[status]}"
            if current:
                text.append(f" {label} ", style="reverse bold")
            else:
                text.append(f" {label}")
        return text

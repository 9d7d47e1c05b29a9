"""A risk heatmap: likelihood rows × impact columns, the count of risks in each cell.

Each cell shows the band's initial and the count (``H 3``), so it reads without colour (16
colours, a projector, a print-out). Arrow keys move a cursor; Enter asks the screen to filter
the register to that cell.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from ..core import scoring

# ANSI colour names keep the cells right in 16 colours; text stays readable on each.
CELL_STYLES = {
    "green": "black on green", "yellow": "black on yellow", "orange": "black on bright_yellow",
    "red": "bright_white on red", "purple": "bright_white on magenta", "blue": "bright_white on blue",
    "grey": "black on white",
}
CELL_WIDTH = 6


class Heatmap(Widget, can_focus=True):
    """``kind`` is 'inherent' or 'residual'; ``risks`` are risk records; ``method`` the risk method."""

    DEFAULT_CSS = """
    Heatmap { width: auto; height: auto; padding: 0 1; }
    Heatmap:focus { background: $boost; }
    """

    BINDINGS = [
        Binding("up", "move(1, 0)", "Up", show=False, tooltip="Higher likelihood"),
        Binding("down", "move(-1, 0)", "Down", show=False, tooltip="Lower likelihood"),
        Binding("left", "move(0, -1)", "Left", show=False, tooltip="Lower impact"),
        Binding("right", "move(0, 1)", "Right", show=False, tooltip="Higher impact"),
        Binding("enter", "choose", "Filter to cell", tooltip="Show the risks in this cell"),
    ]

    cursor: reactive[tuple[int, int]] = reactive((1, 1))

    class CellChosen(Message):
        def __init__(self, heatmap: "Heatmap", likelihood: int, impact: int) -> None:
            super().__init__()
            self.heatmap = heatmap
            self.likelihood = likelihood
            self.impact = impact

        @property
        def control(self) -> "Heatmap":
            return self.heatmap

    def __init__(self, kind: str, *, id: str | None = None):
        super().__init__(id=id)
        self.kind = kind
        self.method: dict[str, Any] = scoring.default_method()
        self.risks: list[dict[str, Any]] = []

    def update_data(self, risks: list[dict[str, Any]], method: dict[str, Any]) -> None:
        self.risks, self.method = risks, method
        n = scoring.size(method)
        l, i = self.cursor
        self.cursor = (min(l, n), min(i, n))
        self.refresh(layout=True)

    def counts(self) -> dict[tuple[int, int], int]:
        out: dict[tuple[int, int], int] = {}
        for r in self.risks:
            cell = (r.get(f"{self.kind}_likelihood"), r.get(f"{self.kind}_impact"))
            if all(isinstance(v, int) for v in cell):
                out[cell] = out.get(cell, 0) + 1  # type: ignore[index]
        return out

    compact: reactive[bool] = reactive(False, layout=True)
    """Row labels as numbers only (the screen shows the scale labels in a legend)."""

    def _label_width(self) -> int:
        if self.compact:
            return 3
        lik = self.method.get("likelihood") or []
        return min(16, max((len(x) for x in lik), default=4)) + 3

    def _cell_width(self) -> int:
        return 4 if self.compact else CELL_WIDTH

    def render(self) -> Text:
        n = scoring.size(self.method)
        counts = self.counts()
        lik = self.method.get("likelihood") or []
        label_w, cell_w = self._label_width(), self._cell_width()
        pad = "\u00a0"  # a plain space at the start of a line would be dropped
        text = Text(no_wrap=True, overflow="crop")
        text.append(f"{self.kind.capitalize()} ({sum(counts.values())} rated)\n", style="bold")
        for li in range(n, 0, -1):
            label = str(li) if self.compact or li > len(lik) else f"{li} {lik[li - 1]}"
            text.append(label[: label_w - 1].ljust(label_w, pad))
            for ii in range(1, n + 1):
                b = scoring.band(self.method, li * ii)
                initial = b["level"][:1] if b else "?"
                count = counts.get((li, ii), 0)
                body = f"{initial}{count if count else '·'}" if self.compact else \
                    f"{initial} {count if count else '·'}"
                style = CELL_STYLES.get(b["colour"] if b else "grey", "")
                if (li, ii) == self.cursor and self.has_focus:
                    style += " reverse bold"
                text.append(body.center(cell_w - 1, pad), style=style)
                text.append(pad)
            text.append("\n")
        text.append(("I:" if self.compact else "impact:").ljust(label_w, pad), style="dim")
        for ii in range(1, n + 1):
            text.append(str(ii).center(cell_w - 1, pad) + pad, style="dim")
        return text

    def get_content_width(self, container: Any, viewport: Any) -> int:
        n = scoring.size(self.method)
        return max(self._label_width() + n * self._cell_width(), 16)

    def get_content_height(self, container: Any, viewport: Any, width: int) -> int:
        return scoring.size(self.method) + 2

    def action_move(self, dl: int, di: int) -> None:
        n = scoring.size(self.method)
        l, i = self.cursor
        self.cursor = (max(1, min(n, l + dl)), max(1, min(n, i + di)))

    def action_choose(self) -> None:
        self.post_message(self.CellChosen(self, *self.cursor))

    def watch_cursor(self) -> None:
        self.refresh()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

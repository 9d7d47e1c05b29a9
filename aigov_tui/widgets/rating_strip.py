"""Rate rows of a table without opening their form: digits fill two rating pairs in turn.

The strip is generic: its owner says which rows to walk (``order``), what a row's current
ratings are (``current``) and how to apply a pair (``apply``, a core call that returns an
error message or ""). The pair is applied as soon as both of its digits are typed, so the
table's score and level change at once; after the last digit the strip moves to the next row.

Keys while the strip has focus: a digit rates the next slot; ``space`` keeps the slot's
current value; ``backspace`` goes back a slot; ``enter`` or ``down`` goes to the next row,
``up`` to the previous one; ``escape`` ends rating.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import Static

PAIRS = ("inherent", "residual")
SLOTS = (("inherent", "L"), ("inherent", "I"), ("residual", "L"), ("residual", "I"))


class RatingStrip(Static, can_focus=True):
    """One line: the row being rated, its four slots, and what the keys do."""

    class Moved(Message):
        """The strip moved to ``record_id`` (the owner moves the table's cursor there)."""

        def __init__(self, strip: "RatingStrip", record_id: str) -> None:
            super().__init__()
            self.strip = strip
            self.record_id = record_id

        @property
        def control(self) -> "RatingStrip":
            return self.strip

    class Finished(Message):
        """Rating ended (escape); the owner gives focus back to the table."""

        def __init__(self, strip: "RatingStrip") -> None:
            super().__init__()
            self.strip = strip

        @property
        def control(self) -> "RatingStrip":
            return self.strip

    def __init__(self, *, apply: Callable[[str, str, int, int], str],
                 current: Callable[[str], Sequence[int | None]],
                 scale: Callable[[], int], describe: Callable[[str, str], str] | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes, markup=False)
        self._apply, self._current, self._scale = apply, current, scale
        self._describe = describe or (lambda rid, pair: "")
        self.order: list[str] = []
        self.record_id: str | None = None
        self.slots: list[int | None] = [None] * 4
        self.typed: list[bool] = [False] * 4
        self.pos = 0
        self.message = ""

    # --- driving -----------------------------------------------------------------------
    def start(self, order: list[str], record_id: str) -> None:
        """Rate the rows in ``order``, starting at ``record_id``."""
        self.order = list(order)
        self.display = True
        self._load(record_id)
        self.focus()

    def stop(self) -> None:
        self.display = False
        self.record_id = None
        self.post_message(self.Finished(self))

    @property
    def active(self) -> bool:
        return self.record_id is not None

    def _load(self, record_id: str, message: str = "") -> None:
        self.record_id = record_id
        self.slots = list(self._current(record_id))[:4]
        self.typed = [False] * 4
        self.pos = 0
        self.message = message
        self._render_strip()

    def _move(self, step: int) -> bool:
        if self.record_id is None or self.record_id not in self.order:
            return False
        i = self.order.index(self.record_id) + step
        if not 0 <= i < len(self.order):
            return False
        self._load(self.order[i])
        self.post_message(self.Moved(self, self.order[i]))
        return True

    def _render_strip(self) -> None:
        n = self._scale()
        t = Text()
        t.append(f"Rating {self.record_id}", style="bold")
        for i, (pair, axis) in enumerate(SLOTS):
            if axis == "L":
                t.append(f" {pair.capitalize()} ")
            value = self.slots[i]
            shown = str(value) if value is not None else "_"
            style = "reverse bold" if i == self.pos else ("bold" if self.typed[i] else "")
            t.append(f"{axis}[{shown}]", style=style)
            t.append(" ")
        if self.message:
            t.append(f" {self.message}", style="bold")
        else:
            t.append(f" 1–{n} · space keep · ⏎ next · esc", style="dim")
        self.update(t)

    # --- keys ---------------------------------------------------------------------------
    def on_key(self, event: events.Key) -> None:
        if self.record_id is None:
            return
        key = event.key
        handled = True
        n = self._scale()
        if key.isdigit() and len(key) == 1:
            value = int(key)
            if not 1 <= value <= n:
                self.message = f"The risk method is {n}×{n}: rate from 1 to {n}."
                self.app.bell()
            else:
                self.slots[self.pos], self.typed[self.pos] = value, True
                self._advance()
        elif key == "space":
            self._advance()
        elif key == "backspace":
            self.pos = max(0, self.pos - 1)
            self.message = ""
        elif key in ("enter", "down"):
            if not self._move(1):
                self.message = "That was the last row; esc ends rating."
        elif key == "up":
            if not self._move(-1):
                self.message = "This is the first row."
        elif key == "escape":
            self.stop()
            event.stop()
            event.prevent_default()
            return
        else:
            handled = False
        if handled:
            event.stop()
            event.prevent_default()
            if self.record_id is not None:
                self._render_strip()

    def _advance(self) -> None:
        self.message = ""
        self.pos += 1
        if self.pos % 2 == 0:
            pair = PAIRS[self.pos // 2 - 1]
            first = self.pos - 2
            if self.typed[first] or self.typed[first + 1]:
                li, im = self.slots[first], self.slots[first + 1]
                if li is None or im is None:
                    self.message = f"Give both {pair} likelihood and impact."
                    self.pos = first + (1 if li is not None else 0)
                    return
                error = self._apply(str(self.record_id), pair, li, im)
                if error:
                    self.message = error
                    self.pos = first
                    return
                self.message = f"{pair.capitalize()} {self._describe(str(self.record_id), pair) or 'set'}"
        if self.pos >= 4:
            done = self.message
            if not self._move(1):
                self.pos = 3
                self.message = f"{done}. That was the last row; esc ends rating."

    def render_state(self) -> dict[str, Any]:
        """What the strip shows (for tests)."""
        return {"record_id": self.record_id, "slots": list(self.slots), "pos": self.pos,
                "message": self.message}

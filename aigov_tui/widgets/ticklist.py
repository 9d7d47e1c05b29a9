"""A tick list whose state reads as text: ``[x]`` ticked, ``[ ]`` not (not colour alone).

Works in 16 colours, on a monochrome projector and through a screen reader's text.
"""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widgets import OptionList, SelectionList
from textual.widgets.option_list import OptionDoesNotExist

TICKED, UNTICKED = "[x]", "[ ]"


class TickList(SelectionList[Any]):
    """A SelectionList drawing ``[x]`` / ``[ ]`` in front of each item (same width as the
    stock button, so layout and mouse clicks behave the same)."""

    def render_line(self, y: int) -> Strip:
        line = OptionList.render_line(self, y)
        _, scroll_y = self.scroll_offset
        index = scroll_y + y
        try:
            selection = self.get_option_at_index(index)
        except OptionDoesNotExist:
            return line
        ticked = selection.value in self._selected
        underlying = next(iter(line)).style or self.rich_style
        style = underlying + Style(bold=ticked, meta={"option": index})
        mark = TICKED if ticked else UNTICKED
        return Strip([Segment(mark, style=style), Segment(" ", style=underlying), *line])

"""A table that renders only the rows on screen, for registers of thousands of records.

Textual's DataTable measures and styles every row it holds, so a register of 5,000 risks
costs about a second to fill and again to refill. This table keeps its rows as plain cells and
draws the visible lines on demand (the Line API, as Toolong and Textual's Log do): filling it is
a list assignment, changing one record repaints one line, and moving the cursor repaints two.

Its API follows the part of DataTable that the app uses (``add_column``, ``add_row``,
``clear``, ``row_count``, ``get_row_at``, ``get_row_index``, ``move_cursor``,
``coordinate_to_cell_key``, ``update_row``, and the ``RowSelected``, ``RowHighlighted`` and
``HeaderSelected`` messages), so a screen reads the same either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Iterable, NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip


class Key(NamedTuple):
    """A row's or column's key, shaped like DataTable's (``key.value``)."""

    value: str | None


class Coordinate(NamedTuple):
    row: int
    column: int


@dataclass
class Column:
    key: str
    label: str
    width: int


Cell = "str | Text"


def _fit(cell: Any, width: int, base: Style, over: Style | None = None) -> list[Segment]:
    """One cell as segments exactly ``width`` cells wide, cut with an ellipsis; ``over`` (the
    cursor) is applied above the cell's own style."""
    style = base
    if isinstance(cell, Text):
        text = cell.plain
        if cell.style:
            style = style + (cell.style if isinstance(cell.style, Style) else Style.parse(cell.style))
    else:
        text = str(cell)
    if over is not None:
        style = style + over
    text = text.replace("\n", " ")
    length = cell_len(text)
    if length > width:
        out, used = [], 0
        for ch in text:
            w = cell_len(ch)
            if used + w > width - 1:
                break
            out.append(ch)
            used += w
        text = "".join(out) + "…"
        length = used + 1
    return [Segment(text + " " * (width - length), style)]


class VirtualTable(ScrollView, can_focus=True):
    """Rows of cells with a header line and a row cursor; draws only what is visible."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Select", show=False),
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,ctrl+home", "scroll_top", "Top", show=False),
        Binding("end,ctrl+end", "scroll_bottom", "Bottom", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "datatable--cursor", "datatable--header", "datatable--even-row", "datatable--odd-row",
    }

    DEFAULT_CSS = """
    VirtualTable {
        background: $surface;
        color: $foreground;
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
        &:focus {
            background-tint: $foreground 5%;
            & > .datatable--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
        &:dark > .datatable--even-row { background: $surface-darken-1 40%; }
        & > .datatable--header { text-style: bold; background: $panel; color: $foreground; }
        &:ansi > .datatable--header { background: ansi_bright_blue; color: ansi_default; }
        & > .datatable--even-row { background: $surface-lighten-1 50%; }
        & > .datatable--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """

    cursor_row: reactive[int] = reactive(0, always_update=True, repaint=False)

    class RowHighlighted(Message):
        def __init__(self, table: "VirtualTable", cursor_row: int, row_key: Key) -> None:
            super().__init__()
            self.data_table = table
            self.cursor_row = cursor_row
            self.row_key = row_key

        @property
        def control(self) -> "VirtualTable":
            return self.data_table

    class RowSelected(RowHighlighted):
        pass

    class HeaderSelected(Message):
        def __init__(self, table: "VirtualTable", column_key: Key, column_index: int) -> None:
            super().__init__()
            self.data_table = table
            self.column_key = column_key
            self.column_index = column_index

        @property
        def control(self) -> "VirtualTable":
            return self.data_table

    def __init__(self, *, zebra_stripes: bool = True, cursor_type: str = "row",
                 name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.zebra_stripes = zebra_stripes
        self.cursor_type = cursor_type
        self._columns: list[Column] = []
        self._keys: list[str] = []
        self._cells: list[tuple[Any, ...]] = []
        self._index: dict[str, int] = {}

    # -- columns and rows ---------------------------------------------------------------------
    @property
    def columns(self) -> dict[Key, Column]:
        return {Key(c.key): c for c in self._columns}

    @property
    def ordered_columns(self) -> list[Column]:
        return list(self._columns)

    def add_column(self, label: str, *, key: str | None = None, width: int = 10) -> Key:
        self._columns.append(Column(key or label, label, width))
        self._resize()
        self.refresh()
        return Key(key or label)

    def clear(self, columns: bool = False) -> "VirtualTable":
        self._keys, self._cells, self._index = [], [], {}
        if columns:
            self._columns = []
        self._resize()
        self.refresh()
        return self

    def add_row(self, *cells: Any, key: str | None = None) -> Key:
        k = str(key if key is not None else len(self._keys))
        self._index[k] = len(self._keys)
        self._keys.append(k)
        self._cells.append(tuple(cells))
        self._resize()
        self.refresh_lines(len(self._keys))
        return Key(k)

    def set_rows(self, rows: Iterable[tuple[str, tuple[Any, ...]]]) -> None:
        """Replace every row at once: (key, cells) pairs. Costs a list, not a repaint per row."""
        keys, cells = [], []
        for k, c in rows:
            keys.append(str(k))
            cells.append(tuple(c))
        self._keys, self._cells = keys, cells
        self._index = {k: i for i, k in enumerate(keys)}
        self._resize()
        if self.cursor_row >= len(keys):
            self.cursor_row = max(0, len(keys) - 1)
        self.refresh()

    def update_row(self, key: str, cells: tuple[Any, ...]) -> None:
        """Replace one row's cells and repaint that line only."""
        i = self._index[str(key)]
        self._cells[i] = tuple(cells)
        self.refresh_lines(i + 1)

    def remove_row(self, key: str) -> None:
        i = self._index.pop(str(key))
        del self._keys[i]
        del self._cells[i]
        self._index = {k: n for n, k in enumerate(self._keys)}
        self._resize()
        if self.cursor_row >= len(self._keys):
            self.cursor_row = max(0, len(self._keys) - 1)
        self.refresh()

    @property
    def row_count(self) -> int:
        return len(self._keys)

    @property
    def row_keys(self) -> list[str]:
        return list(self._keys)

    def get_row_at(self, row_index: int) -> list[Any]:
        if not 0 <= row_index < len(self._keys):
            raise IndexError(f"no row {row_index}")
        return list(self._cells[row_index])

    def get_row_index(self, key: str) -> int:
        return self._index[str(key)]

    # -- the cursor ---------------------------------------------------------------------------
    @property
    def cursor_coordinate(self) -> Coordinate:
        return Coordinate(self.cursor_row, 0)

    def coordinate_to_cell_key(self, coordinate: Coordinate) -> tuple[Key, Key]:
        row = coordinate[0]
        if not 0 <= row < len(self._keys):
            raise IndexError(f"no row {row}")
        column = self._columns[coordinate[1]].key if self._columns else None
        return Key(self._keys[row]), Key(column)

    def move_cursor(self, *, row: int | None = None, column: int | None = None,
                    animate: bool = False, scroll: bool = True) -> None:
        if row is not None:
            self.cursor_row = row

    def validate_cursor_row(self, row: int) -> int:
        return max(0, min(row, len(self._keys) - 1)) if self._keys else 0

    def watch_cursor_row(self, old: int, new: int) -> None:
        self.refresh_lines(old + 1)
        self.refresh_lines(new + 1)
        self._scroll_cursor_into_view()
        if self._keys:
            self.post_message(self.RowHighlighted(self, new, Key(self._keys[new])))

    def _scroll_cursor_into_view(self) -> None:
        visible = max(1, self.scrollable_content_region.height - 1)
        top = int(self.scroll_y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + visible:
            self.scroll_to(y=self.cursor_row - visible + 1, animate=False, immediate=True)

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 2)

    def action_cursor_up(self) -> None:
        self.cursor_row -= 1

    def action_cursor_down(self) -> None:
        self.cursor_row += 1

    def action_page_up(self) -> None:
        self.cursor_row -= self._page()

    def action_page_down(self) -> None:
        self.cursor_row += self._page()

    def action_scroll_top(self) -> None:
        self.cursor_row = 0

    def action_scroll_bottom(self) -> None:
        self.cursor_row = len(self._keys) - 1

    def action_select_cursor(self) -> None:
        if self._keys:
            self.post_message(self.RowSelected(self, self.cursor_row, Key(self._keys[self.cursor_row])))

    # -- mouse ----------------------------------------------------------------------------------
    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            x = 0
            for i, c in enumerate(self._columns):
                if x <= offset.x < x + c.width + 1:
                    self.post_message(self.HeaderSelected(self, Key(c.key), i))
                    return
                x += c.width + 1
            return
        row = int(self.scroll_y) + offset.y - 1
        if 0 <= row < len(self._keys):
            chosen = row == self.cursor_row
            self.cursor_row = row
            if chosen:  # a click on the selected row opens it, as in DataTable
                self.action_select_cursor()

    # -- drawing --------------------------------------------------------------------------------
    def _resize(self) -> None:
        width = sum(c.width + 1 for c in self._columns)
        self.virtual_size = Size(width, len(self._keys) + 1)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width or self.size.width
        base = self.rich_style
        if y == 0:
            style = base + self.get_component_rich_style("datatable--header")
            return self._strip([c.label for c in self._columns], style, width)
        row = int(self.scroll_y) + y - 1
        if row >= len(self._keys):
            return Strip.blank(width, base)
        style = base
        if self.zebra_stripes:
            style = style + self.get_component_rich_style(
                "datatable--even-row" if row % 2 else "datatable--odd-row")
        over = self.get_component_rich_style("datatable--cursor") if row == self.cursor_row else None
        return self._strip(self._cells[row], style, width, over)

    def _strip(self, cells: Iterable[Any], style: Style, width: int,
               over: Style | None = None) -> Strip:
        segments: list[Segment] = []
        used = 0
        gap = style + over if over is not None else style
        for column, cell in zip(self._columns, cells):
            if used >= width:
                break
            w = min(column.width, width - used)
            segments.extend(_fit(cell, w, style, over))
            used += w
            if used < width:
                segments.append(Segment(" ", gap))
                used += 1
        if used < width:
            segments.append(Segment(" " * (width - used), gap))
        return Strip(segments, width)

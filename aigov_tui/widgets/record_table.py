"""A searchable, sortable table for any register, built from its declaration."""

from __future__ import annotations

from typing import Any, Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Static

from ..core.model import natural_key
from ..core.schema import Field, Register, display
from .virtual_table import VirtualTable

ID_WIDTH = 8


class RecordTable(Vertical):
    """Shows a register's records; asks its screen to add, edit or delete through messages."""

    BINDINGS = [
        Binding("a", "add", "Add", tooltip="Add a record"),
        Binding("e", "edit", "Edit", tooltip="Edit the selected record"),
        Binding("d,delete", "delete", "Delete", tooltip="Delete the selected record"),
        Binding("slash", "search", "Search", tooltip="Search every field"),
        Binding("s", "sort", "Sort", show=False, tooltip="Sort by the next column"),
        Binding("S", "reverse", "Reverse", show=False, tooltip="Reverse the sort order"),
    ]

    class Action(Message):
        def __init__(self, table: "RecordTable", record_id: str | None) -> None:
            super().__init__()
            self.table = table
            self.record_id = record_id

        @property
        def control(self) -> "RecordTable":
            return self.table

    class Add(Action):
        """The user asked to add a record."""

    class Edit(Action):
        """The user asked to edit ``record_id``."""

    class Delete(Action):
        """The user asked to delete ``record_id``."""

    def __init__(self, register: Register, *, empty_hint: str = "",
                 styler: Callable[[str, Any], str] | None = None, id: str | None = None,
                 classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self.register = register
        self.styler = styler
        """Optional ``styler(field_key, value) -> style`` for cells (e.g. risk levels by band)."""
        self.empty_hint = empty_hint or f"No {register.title} yet: press a to add one."
        self.records: list[dict[str, Any]] = []
        self.problems: dict[str, int] = {}
        self.ref_labels: dict[str, dict[str, str]] = {}
        self.total = 0
        self.filter_label = ""
        self.sort_key = "" if register.keyed else "id"
        """'' keeps the order rows come in (a catalog's order, for the SoA)."""
        self.sort_reverse = False
        self._columns: list[Field] = []
        self._layout: list[tuple[str, int]] = []
        self._by_id: dict[str, dict[str, Any]] = {}
        self._row_cache: dict[str, tuple[Any, tuple[Any, ...]]] = {}
        """ID -> (what the row showed, its cells): a row is formatted again only when it changed."""
        self._hay_cache: dict[str, tuple[Any, str]] = {}
        """ID -> (the record's values, its search text)."""
        self._all_keys = tuple(f.key for f in register.fields)

    def compose(self) -> ComposeResult:
        with Horizontal(classes="table-bar"):
            yield Input(placeholder="Search ( / )",
                        id="search", compact=True)
            yield Static("", id="table-status")
        yield Static(self.empty_hint, id="table-empty", classes="hint")
        yield VirtualTable(cursor_type="row", zebra_stripes=True, id="table")
        yield Static("", id="table-detail", classes="table-detail", markup=False)

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#table", VirtualTable)

    def on_mount(self) -> None:
        self._build_columns()
        self._fill()
        self._show_detail()

    def on_resize(self) -> None:
        before = list(self._layout)
        self._build_columns()
        if before != self._layout:
            self._fill()

    def _build_columns(self) -> None:
        """Show the declared table columns that fit the width: best-ranked first, in declaration order.

        Width left over goes to the best-ranked column (usually the name).
        """
        width = max(self.size.width, 40) - self._id_width() - 9
        fits: set[str] = set()
        name_width = self._name_width(width)
        for f in sorted(self.register.table_fields, key=lambda f: f.table_rank):
            w = name_width.get(f.key, self._width(f)) + 2
            if width - w >= 0:
                fits.add(f.key)
                width -= w
        chosen = [f for f in self.register.table_fields if f.key in fits]
        widths = {f.key: name_width.get(f.key, self._width(f)) for f in chosen}
        if chosen:
            best = min(chosen, key=lambda f: f.table_rank)
            widths[best.key] += max(width, 0)  # the name column takes all the width left
        layout = [("id", self._id_width())] + [(f.key, widths[f.key]) for f in chosen]
        if layout == self._layout and self.table.columns:
            return
        self._layout = layout
        self._columns = chosen
        self._row_cache.clear()
        t = self.table
        t.clear(columns=True)
        t.add_column("!", key="problems", width=1)
        t.add_column("ID", key="id", width=self._id_width())
        for f in chosen:
            t.add_column(f.table_label or f.label, key=f.key, width=widths[f.key])

    def _cell(self, f: Field, value: Any) -> str:
        labels = self.ref_labels.get(f.key)
        if labels and isinstance(value, str) and value in labels:
            return labels[value]
        if labels and isinstance(value, list):  # role titles, short form: "ML engineer"
            return ", ".join(labels.get(v, str(v)).split(" / ")[0] for v in value)
        return display(f, value)

    def _id_width(self) -> int:
        longest = max((len(str(r.get("id", ""))) for r in self.records), default=0)
        return max(ID_WIDTH, min(longest, 14))

    WIDE = 100
    """From this many columns on, the name column is given room for a long name first."""
    NAME_ROOM = 36

    def _name_width(self, width: int) -> dict[str, int]:
        """{best-ranked column: its width} when the table is wide: names are what people read,
        so they get room before the lowest-ranked columns do."""
        if self.size.width < self.WIDE or not self.register.table_fields:
            return {}
        best = min(self.register.table_fields, key=lambda f: f.table_rank)
        return {best.key: max(self._width(best), min(self.NAME_ROOM, width // 2))}

    @staticmethod
    def _width(f: Field) -> int:
        return f.table_width or min(f.width, 20)

    # data ----------------------------------------------------------------------------------
    def set_records(self, records: list[dict[str, Any]], select: str | None = None, *,
                    problems: dict[str, int] | None = None, total: int | None = None,
                    filter_label: str = "", ref_labels: dict[str, dict[str, str]] | None = None) -> None:
        """Show these records; ``problems`` counts each record's validation problems (marked !);
        ``ref_labels`` shows single references with their name (``PER-001 Ann Lee``)."""
        self.records = list(records)
        self.ref_labels = ref_labels or {}
        self.problems = problems or {}
        self.total = len(records) if total is None else total
        self.filter_label = filter_label
        self._by_id = {str(r.get("id", "")): r for r in self.records}
        if self.is_mounted:
            self._build_columns()
            self._fill(select)
            self._show_detail()

    def _matches(self, record: dict[str, Any], needle: str) -> bool:
        if not needle:
            return True
        hay = self._hay(record)
        return all(part in hay for part in needle.casefold().split())

    def _hay(self, record: dict[str, Any]) -> str:
        """The record's search text (every field as shown), formatted once per change."""
        rid = str(record.get("id", ""))
        values = tuple(map(record.get, self._all_keys))
        hit = self._hay_cache.get(rid)
        if hit is not None and hit[0] == values:
            return hit[1]
        hay = " ".join([rid] + [display(f, record.get(f.key)) for f in self.register.fields]).casefold()
        self._hay_cache[rid] = (values, hay)
        return hay

    def _row(self, r: dict[str, Any]) -> tuple[Any, ...]:
        """The cells of one record's row, formatted again only when what it shows changed."""
        rid = str(r.get("id", ""))
        flagged = bool(self.problems.get(rid))
        sig = (flagged, tuple(r.get(f.key) for f in self._columns),
               tuple(id(self.ref_labels.get(f.key)) for f in self._columns))
        hit = self._row_cache.get(rid)
        if hit is not None and hit[0] == sig:
            return hit[1]
        mark = Text("!", style="bold reverse") if flagged else Text(" ")
        cells = (mark, rid, *[Text(self._cell(f, r.get(f.key)), no_wrap=True, overflow="ellipsis",
                                   style=(self.styler(f.key, r.get(f.key)) if self.styler else "") or "")
                              for f in self._columns])
        self._row_cache[rid] = (sig, cells)
        return cells

    def _sorted(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not self.sort_key:
            return list(reversed(rows)) if self.sort_reverse else rows
        if self.sort_key == "id":
            key = lambda r: natural_key(str(r.get("id", "")))  # noqa: E731
        else:
            f = self.register.field(self.sort_key)

            def key(r: dict[str, Any]) -> tuple[bool, str]:
                shown = display(f, r.get(f.key))
                return shown == "", shown.casefold()
        return sorted(rows, key=key, reverse=self.sort_reverse)

    def _fill(self, select: str | None = None) -> None:
        t = self.table
        current = select or self.selected_id
        needle = self.query_one("#search", Input).value.strip()
        rows = self._sorted([r for r in self.records if self._matches(r, needle)])
        t.set_rows((str(r.get("id", "")), self._row(r)) for r in rows)
        if current and current in t._index:
            t.move_cursor(row=t.get_row_index(current))
        label = ("catalog order" if not self.sort_key else "ID" if self.sort_key == "id"
                 else self.register.field(self.sort_key).label)
        arrow = "↓" if self.sort_reverse else "↑"
        self.query_one("#table-empty").display = not self.records and not needle
        total = max(self.total, len(self.records))
        shown = f"{len(rows)} of {total}" if len(rows) != total else f"{len(rows)}"
        flagged = sum(1 for r in rows if self.problems.get(str(r.get("id"))))
        parts = [f"{shown} {self.register.title}"]
        if self.filter_label:
            parts.append(f"filter: {self.filter_label}")
        if flagged:
            parts.append(f"{flagged} with problems (!)")
        parts.append(f"sorted by {label} {arrow}")
        self.query_one("#table-status", Static).update(" · ".join(parts))

    @property
    def selected_id(self) -> str | None:
        t = self.table
        if t.row_count == 0:
            return None
        try:
            key, _ = t.coordinate_to_cell_key(t.cursor_coordinate)
        except Exception:
            return None
        return str(key.value) if key.value is not None else None

    # actions -------------------------------------------------------------------------------
    def action_add(self) -> None:
        self.post_message(self.Add(self, None))

    def action_edit(self) -> None:
        if self.selected_id:
            self.post_message(self.Edit(self, self.selected_id))
        else:
            self.app.notify(f"No {self.register.item} selected.", severity="warning")

    def action_delete(self) -> None:
        if self.selected_id:
            self.post_message(self.Delete(self, self.selected_id))
        else:
            self.app.notify(f"No {self.register.item} selected.", severity="warning")

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_sort(self) -> None:
        keys = ([""] if self.register.keyed else []) + ["id"] + [f.key for f in self._columns]
        i = keys.index(self.sort_key) if self.sort_key in keys else 0
        self.sort_key = keys[(i + 1) % len(keys)]
        self.sort_reverse = False
        self._fill()

    def action_reverse(self) -> None:
        self.sort_reverse = not self.sort_reverse
        self._fill()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # letters typed into the search box are text, not commands
        if action in ("add", "edit", "delete", "sort", "reverse", "search"):
            if isinstance(self.app.focused, Input):
                return False
        if action in ("add", "delete") and self.register.keyed:
            return False  # one row per control: nothing to add or delete
        return True

    @on(Input.Changed, "#search")
    def _search(self) -> None:
        self._fill()
        self._show_detail()

    @on(Input.Submitted, "#search")
    def _search_done(self) -> None:
        self.table.focus()

    @on(VirtualTable.RowSelected, "#table")
    def _row_chosen(self, event: VirtualTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.Edit(self, str(event.row_key.value)))

    @on(VirtualTable.HeaderSelected, "#table")
    def _header(self, event: VirtualTable.HeaderSelected) -> None:
        key = str(event.column_key.value)
        if key == "problems":
            return
        if key == self.sort_key:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_key, self.sort_reverse = key, False
        self._fill()

    # the selected row in full ------------------------------------------------------------
    def detail_text(self, record_id: str | None) -> str:
        """One line under the table: the selected record's ID and full name (cut in the table)."""
        record = self._by_id.get(record_id or "")
        if record is None:
            return ""
        name = str(record.get(self.register.title_field) or "").strip()
        return f"{record_id} · {' '.join(name.split())}" if name else str(record_id)

    def _show_detail(self) -> None:
        try:
            detail = self.query_one("#table-detail", Static)
        except Exception:
            return
        detail.update(self.detail_text(self.selected_id))

    @on(VirtualTable.RowHighlighted, "#table")
    def _row_highlighted(self, event: VirtualTable.RowHighlighted) -> None:
        self._show_detail()

    def select(self, record_id: str) -> bool:
        """Put the cursor on a record (clearing the search if it hides it); False if not shown."""
        search = self.query_one("#search", Input)
        if search.value:
            search.value = ""
            self._fill(record_id)
        t = self.table
        try:
            t.move_cursor(row=t.get_row_index(record_id))
        except Exception:
            return False
        self._show_detail()
        t.focus()
        return True

"""The diff of an edited workbook, accepted or rejected row by row before anything changes."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from ..core.workbook_import import ADDED, MISSING, UNAPPLIABLE, ImportDiff, RowDiff


@dataclass
class ImportChoice:
    """What the user decided: rows left out, conflict choices, missing rows to delete."""

    rejected: set[tuple[str, str, int]] = field(default_factory=set)
    choices: dict[tuple[str, str, int], dict[str, str]] = field(default_factory=dict)
    delete_missing: set[tuple[str, str, int]] = field(default_factory=set)


MARKS = {ADDED: "+", "changed": "~", MISSING: "-", UNAPPLIABLE: "!"}


class ImportScreen(ModalScreen[ImportChoice | None]):
    """One line per changed field (or reason); ``space`` accepts or rejects the line's row,
    ``t`` / ``o`` take the workbook's or the assessment's value of a conflict, ``ctrl+s``
    applies the accepted rows all at once (after a backup), ``esc`` changes nothing."""

    BINDINGS = [
        Binding("space", "toggle", "Accept/reject row", tooltip="Accept or reject the selected row"),
        Binding("t", "theirs", "Theirs", tooltip="Conflict: take the workbook's value"),
        Binding("o", "ours", "Ours", tooltip="Conflict: keep the assessment's value"),
        Binding("ctrl+s", "apply", "Apply", tooltip="Apply the accepted rows (after a backup)"),
        Binding("escape", "cancel", "Cancel", tooltip="Close without changing anything"),
    ]

    def __init__(self, diff: ImportDiff):
        super().__init__(classes="dialog-screen")
        self.diff = diff
        self.choice = ImportChoice()
        # unappliable rows start rejected; missing rows are kept (deletion is opt-in)
        self.choice.rejected = {r.key for r in diff.rows if r.kind == UNAPPLIABLE}
        self._lines: list[tuple[RowDiff, str]] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide-dialog"):
            yield Label(f"Import {self.diff.path.name}", classes="dialog-title")
            yield Static(self.diff.summary() + ".", id="import-summary")
            yield DataTable(id="import-table", cursor_type="row", zebra_stripes=True)
            yield Static("space accept/reject row · t/o theirs/ours on a conflict · "
                         "ctrl+s apply · esc cancel", classes="hint", id="import-hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("", "Sheet", "ID", "Field", "Assessment now", "Workbook")
        self._fill()
        table.focus()

    def _state(self, row: RowDiff) -> str:
        if row.kind == MISSING:
            return "delete" if row.key in self.choice.delete_missing else "keep"
        return "reject" if row.key in self.choice.rejected else "accept"

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        self._lines = []
        for row in self.diff.rows:
            state = self._state(row)
            mark = Text(f"{MARKS[row.kind]} {state}",
                        style="red" if row.kind == UNAPPLIABLE else
                        ("dim" if state in ("reject", "keep") else "bold"))
            rid = row.record_id or f"row {row.row}"
            lines: list[tuple[str, str, str, str]] = []
            for c in row.changes:
                theirs = c.new
                if c.conflict:
                    pick = self.choice.choices.get(row.key, {}).get(c.key, "?")
                    theirs = f"{c.new}  [conflict: {pick}]"
                lines.append((c.key, c.label, c.old, theirs))
            lines += [("", "reason", "", r) for r in row.reasons]
            if row.kind == MISSING:
                lines.append(("", "", "in the assessment", "not in the workbook"))
            for i, (key, label, old, new) in enumerate(lines or [("", "", "", "")]):
                table.add_row(mark if i == 0 else "", row.sheet if i == 0 else "",
                              rid if i == 0 else "", label, old[:60], new[:60])
                self._lines.append((row, key))
        if self._lines:
            table.move_cursor(row=min(cursor, len(self._lines) - 1))

    def _selected(self) -> tuple[RowDiff, str] | None:
        table = self.query_one(DataTable)
        if not self._lines:
            return None
        return self._lines[min(table.cursor_row, len(self._lines) - 1)]

    def action_toggle(self) -> None:
        picked = self._selected()
        if picked is None:
            return
        row, _ = picked
        if row.kind == MISSING:
            self.choice.delete_missing ^= {row.key}
        elif row.kind == UNAPPLIABLE:
            self.notify("This row cannot be applied: " + "; ".join(row.reasons),
                        severity="warning")
            return
        else:
            self.choice.rejected ^= {row.key}
        self._fill()

    def _conflict(self, side: str) -> None:
        picked = self._selected()
        if picked is None:
            return
        row, key = picked
        if not any(c.key == key and c.conflict for c in row.changes):
            self.notify("The selected line is not a conflict.", severity="warning")
            return
        self.choice.choices.setdefault(row.key, {})[key] = side
        self._fill()

    def action_theirs(self) -> None:
        self._conflict("theirs")

    def action_ours(self) -> None:
        self._conflict("ours")

    def action_apply(self) -> None:
        for row in self.diff.rows:
            if row.key in self.choice.rejected or row.kind in (MISSING, UNAPPLIABLE):
                continue
            unsettled = [c.label for c in row.conflicts
                         if c.key not in self.choice.choices.get(row.key, {})]
            if unsettled:
                self.notify(f"{row.sheet} {row.record_id}: choose theirs (t) or ours (o) for "
                            f"{', '.join(unsettled)}, or reject the row.", severity="warning")
                return
        self.dismiss(self.choice)

    def action_cancel(self) -> None:
        self.dismiss(None)

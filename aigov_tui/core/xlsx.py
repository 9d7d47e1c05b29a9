"""The workbook framework every export sheet goes through (openpyxl).

* one text neutraliser for every cell that holds user or imported text: no formula, no
  control characters, no silent truncation;
* workbook conventions: frozen header row, autofilter, widths and wrapping, landscape
  fit-to-width printing with repeated header rows, classification in the page header;
* drop-downs on enumerated columns, fed from a hidden ``Lists`` sheet;
* conditional fills (a value or a number range gets a colour), named colours with a readable
  font, and free-form sheets built from titled blocks and grids (method, heatmap);
* document properties (title, organisation, version, classification, format version).
"""

from __future__ import annotations

import datetime as _dt
import io
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

EXCEL_CELL_LIMIT = 32767
TRUNCATION_MARKER = " […truncated by aigov: text longer than a cell holds]"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
# control characters, plus what XML 1.0 cannot hold at all (lone surrogates, U+FFFE, U+FFFF):
# writing those gives a workbook that Excel and openpyxl refuse to open
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
VALIDATION_ROWS = 1000
"""Drop-downs reach this many rows below the header, so rows a user adds get them too."""

HEADER_FILL = PatternFill("solid", fgColor="1F3864")
HEADER_FONT = Font(bold=True, color="FFFFFF")
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
CENTRED = Alignment(horizontal="center", vertical="center", wrap_text=True)

PALETTE: dict[str, tuple[str, str]] = {
    "green": ("92D050", "000000"),
    "yellow": ("FFE699", "000000"),
    "orange": ("F4B084", "000000"),
    "red": ("C00000", "FFFFFF"),
    "purple": ("7030A0", "FFFFFF"),
    "blue": ("2F75B5", "FFFFFF"),
    "grey": ("BFBFBF", "000000"),
}
"""Colour name -> (fill RGB, font RGB): the one place named colours (e.g. the risk method's
level bands) become Excel colours. Each font is chosen to stay readable on its fill."""
UNKNOWN_COLOUR = ("FFFFFF", "000000")


def colours(name: Any) -> tuple[str, str]:
    """(fill, font) RGB for a named colour; white with black text for a name not in the palette."""
    return PALETTE.get(str(name or "").strip().lower(), UNKNOWN_COLOUR)


def solid_fill(name: Any) -> PatternFill:
    fill, _ = colours(name)
    return PatternFill("solid", fgColor=fill, bgColor=fill)


def readable_font(name: Any, bold: bool = False) -> Font:
    return Font(color=colours(name)[1], bold=bold)


def paint(cell: Cell, colour: Any, bold: bool = False) -> None:
    """Fill a cell with a named colour and give it a font readable on that fill."""
    if colour:
        cell.fill = solid_fill(colour)
        cell.font = readable_font(colour, bold)


RULE_TEXT_LIMIT = 250
"""Longest text constant in a rule formula (Excel refuses formulas over 255 characters)."""
HEADER_LIMIT = 255
"""Excel's limit for a page header or footer, all sections and codes together."""


def _cut_escaped(text: str, limit: int, char: str, doubled: str) -> str:
    """``text`` with ``char`` written as ``doubled``, cut to ``limit`` characters without ever
    splitting a doubled character (half of one would end a string or start a code)."""
    out: list[str] = []
    n = 0
    for ch in text:
        piece = doubled if ch == char else ch
        if n + len(piece) > limit:
            break
        out.append(piece)
        n += len(piece)
    return "".join(out)


def _write_all(fd: int, data: Any) -> None:
    """Write every byte and fsync (a full disk raises OSError here, with nothing half-done)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    os.fsync(fd)


def excel_text_literal(value: Any) -> str:
    """A text constant for a rule formula: neutralised, quoted, inner quotes doubled."""
    return '"' + _cut_escaped(neutralise(value), RULE_TEXT_LIMIT, '"', '""') + '"'


def neutralise(value: Any) -> str:
    """Make untrusted text safe and faithful as cell text.

    Control characters are removed (line breaks and tabs inside the text are kept), and text
    longer than a cell holds is cut with a visible marker. Whether the result starts with a
    formula trigger is handled by :func:`set_text`, which always stores text as text.
    """
    text = "" if value is None else str(value)
    # a lone CR would be read back as LF (XML line-end normalisation): store what is read back
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ILLEGAL.sub("", text)
    if len(text) > EXCEL_CELL_LIMIT:
        text = text[: EXCEL_CELL_LIMIT - len(TRUNCATION_MARKER)] + TRUNCATION_MARKER
    return text


def set_text(cell: Cell, value: Any) -> None:
    """Store text in a cell as text, never as a formula or an error value."""
    text = neutralise(value)
    cell.value = text
    cell.data_type = "s"  # openpyxl makes '=...' a formula and '#N/A' an error otherwise
    if text[:1] in FORMULA_TRIGGERS:
        cell.quotePrefix = True  # the apostrophe marker Excel and LibreOffice show as text


def safe_sheet_title(title: str) -> str:
    # cut first, then strip: Excel refuses a title that begins or ends with an apostrophe
    return _SHEET_BAD.sub("-", neutralise(title))[:31].strip("'") or "Sheet"


@dataclass(frozen=True)
class Column:
    """One column of an exported table."""

    header: str
    get: Callable[[dict[str, Any]], Any]
    width: int = 18
    kind: str = "text"  # text / date / integer / choice / multichoice / refs
    choices: tuple[Any, ...] = ()
    """Allowed values: a drop-down on ``choice`` and ``integer`` columns (integers stay
    numbers)."""
    list_name: str = ""
    """Name of the drop-down list on the Lists sheet (defaults to the header); columns with the
    same name and values share one list."""
    prompt: str = ""
    """Input message shown when a drop-down cell is selected (e.g. what each rating means)."""
    highlights: tuple["Highlight", ...] = ()
    """Conditional fills over the data rows and the empty rows below them."""


@dataclass(frozen=True)
class Highlight:
    """A conditional fill: cells equal to ``equals`` (text), with a number from ``low`` to
    ``high``, or (``not_blank``) holding anything at all, get the named ``colour`` and a font
    readable on it. The value itself stays written in the cell, so nothing is said by colour
    alone."""

    colour: str
    equals: str | None = None
    low: int | float | None = None
    high: int | float | None = None
    not_blank: bool = False

    def rule(self, first_cell: str = "A2") -> CellIsRule | FormulaRule:
        """The rule for a range whose top-left cell is ``first_cell`` (relative formulas)."""
        fill, font = solid_fill(self.colour), readable_font(self.colour)
        if self.not_blank:
            if not re.fullmatch(r"[A-Z]{1,3}[0-9]+", first_cell):
                raise ValueError(f"not a cell reference: {first_cell!r}")
            return FormulaRule(formula=[f"LEN(TRIM({first_cell}))>0"], fill=fill, font=font)
        if self.equals is not None:
            return CellIsRule(operator="equal", formula=[excel_text_literal(self.equals)],
                              fill=fill, font=font)
        if self.low is None or self.high is None:
            raise ValueError("a Highlight needs either equals or low and high")
        return CellIsRule(operator="between", formula=[str(self.low), str(self.high)],
                          fill=fill, font=font)


@dataclass
class DocumentControl:
    """What the Cover sheet and the workbook properties say about the document."""

    title: str
    organisation: str
    version: str
    date: _dt.date
    owner: str
    classification: str
    frameworks: Sequence[str]
    assessment_id: str = ""
    format_version: str = "1"
    extra: list[tuple[str, str]] = field(default_factory=list)


class WorkbookWriter:
    """Builds one workbook; every sheet goes through the same conventions."""

    def __init__(self, control: DocumentControl):
        self.control = control
        self.wb = Workbook()
        self.wb.remove(self.wb.active)
        self._lists: dict[str, tuple[str, ...]] = {}
        self._lists_ws: Worksheet | None = None

    # sheets --------------------------------------------------------------------------------
    def add_cover(self, contents: Iterable[tuple[str, str]] = ()) -> Worksheet:
        c = self.control
        ws = self.wb.create_sheet("Cover")
        set_text(ws.cell(1, 1), c.title)
        ws.cell(1, 1).font = Font(bold=True, size=14)
        rows = [
            ("Document", c.title),
            ("Organisation", c.organisation),
            ("Version", c.version),
            ("Date", c.date),
            ("Owner", c.owner),
            ("Classification", c.classification),
            ("Frameworks", "; ".join(c.frameworks)),
            ("Assessment ID", c.assessment_id),
            ("Workbook format", f"aigov-tui workbook v{c.format_version}"),
            *c.extra,
        ]
        r = 3
        for label, value in rows:
            set_text(ws.cell(r, 1), label)
            ws.cell(r, 1).font = Font(bold=True)
            self._write(ws.cell(r, 2), value, "date" if isinstance(value, _dt.date) else "text")
            r += 1
        contents = list(contents)
        if contents:
            r += 1
            set_text(ws.cell(r, 1), "Sheet")
            set_text(ws.cell(r, 2), "What it holds")
            for col in (1, 2):
                ws.cell(r, col).font = Font(bold=True)
            for name, what in contents:
                r += 1
                set_text(ws.cell(r, 1), name)
                set_text(ws.cell(r, 2), what)
                ws.cell(r, 2).alignment = WRAP_TOP
        ws.column_dimensions["A"].width = 22
        ws.column_dimensions["B"].width = 90
        self._print_setup(ws, repeat_header=False)
        return ws

    def add_table(self, title: str, columns: Sequence[Column], rows: Iterable[dict[str, Any]],
                  freeze: str = "B2", fit_rows: bool = False,
                  open_rows: int | None = None) -> Worksheet:
        """A register-style sheet: one header row, one row per record.

        ``fit_rows`` gives each data row the height its wrapped text needs (for sheets of long
        text, such as the SoA: spreadsheets do not always grow rows when a file is opened).
        Drop-downs and conditional fills reach :data:`VALIDATION_ROWS` rows below the header,
        so rows a user adds get them too; ``open_rows`` stops them after that many rows
        instead (for a sheet with blocks written below the table, e.g. summary counts)."""
        ws = self.wb.create_sheet(safe_sheet_title(title))
        for j, col in enumerate(columns, start=1):
            cell = ws.cell(1, j)
            set_text(cell, col.header)
            cell.fill, cell.font = HEADER_FILL, HEADER_FONT
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            ws.column_dimensions[get_column_letter(j)].width = col.width
        self._fit_header_height(ws, 1, 1, [c.header for c in columns])
        n = 1
        for n, row in enumerate(rows, start=2):
            for j, col in enumerate(columns, start=1):
                self._write(ws.cell(n, j), col.get(row), col.kind)
            if fit_rows:
                self._fit_row_height(ws, n, columns)
        last_col = get_column_letter(max(1, len(columns)))
        ws.freeze_panes = freeze
        ws.auto_filter.ref = f"A1:{last_col}{max(n, 2)}"
        last_row = 1 + max(1, VALIDATION_ROWS if open_rows is None else open_rows)
        for j, col in enumerate(columns, start=1):
            if col.kind in ("choice", "integer") and col.choices:
                self._drop_down(ws, j, col, last_row)
            if col.highlights:
                letter = get_column_letter(j)
                for h in col.highlights:
                    ws.conditional_formatting.add(f"{letter}2:{letter}{last_row}",
                                                  h.rule(f"{letter}2"))
        self._print_setup(ws)
        return ws

    def add_pairs(self, title: str, pairs: Iterable[tuple[str, Any]],
                  headers: tuple[str, str] = ("Field", "Value")) -> Worksheet:
        """A two-column sheet of labelled values (e.g. the scope)."""
        cols = [Column(headers[0], lambda r: r[0], 34), Column(headers[1], lambda r: r[1], 100)]
        return self.add_table(title, cols, ({0: k, 1: v} for k, v in pairs), freeze="A2")

    def add_sheet(self, title: str, widths: Sequence[float] = ()) -> Worksheet:
        """A free-form sheet (titled blocks and grids) with the workbook's print settings."""
        ws = self.wb.create_sheet(safe_sheet_title(title))
        for j, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = width
        self._print_setup(ws, repeat_header=False)
        return ws

    # blocks of free-form sheets ------------------------------------------------------------
    def write_title(self, ws: Worksheet, row: int, col: int, text: Any, size: int = 12) -> int:
        """A bold heading; returns the next row."""
        cell = ws.cell(row, col)
        set_text(cell, text)
        cell.font = Font(bold=True, size=size)
        return row + 1

    def write_note(self, ws: Worksheet, row: int, col: int, text: Any) -> int:
        """One line of explanation, left to run over the empty cells to its right."""
        cell = ws.cell(row, col)
        set_text(cell, text)
        cell.font = Font(italic=True)
        return row + 1

    def write_block(self, ws: Worksheet, top: int, left: int, headers: Sequence[str],
                    rows: Iterable[Sequence[Any]],
                    colour: Callable[[int, int], Any] | None = None) -> int:
        """A small table: one styled header row, then the rows (whole numbers stay numbers).

        ``colour(i, j)`` may name a palette colour for the cell of row ``i``, column ``j``
        (both from 0). Returns the row after the block.
        """
        for j, header in enumerate(headers):
            cell = ws.cell(top, left + j)
            set_text(cell, header)
            cell.fill, cell.font = HEADER_FILL, HEADER_FONT
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        self._fit_header_height(ws, top, left, headers)
        r = top
        for i, values in enumerate(rows):
            r = top + 1 + i
            for j, value in enumerate(values):
                cell = ws.cell(r, left + j)
                if isinstance(value, int) and not isinstance(value, bool):
                    self._write(cell, value, "integer")
                    cell.alignment = Alignment(horizontal="center", vertical="top")
                else:
                    self._write(cell, value, "text")
                if colour is not None:
                    paint(cell, colour(i, j))
        return r + 1

    def write_grid(self, ws: Worksheet, top: int, left: int, corner: str,
                   row_labels: Sequence[str], col_labels: Sequence[str],
                   values: Sequence[Sequence[Any]],
                   colour: Callable[[int, int], Any] | None = None) -> int:
        """A labelled grid (e.g. a risk matrix): column labels across the top, row labels down
        the left, ``values[i][j]`` in the cells, each filled with ``colour(i, j)``.
        Returns the row after the grid."""
        cell = ws.cell(top, left)
        set_text(cell, corner)
        cell.fill, cell.font, cell.alignment = HEADER_FILL, HEADER_FONT, CENTRED
        for j, label in enumerate(col_labels, start=1):
            cell = ws.cell(top, left + j)
            set_text(cell, label)
            cell.fill, cell.font, cell.alignment = HEADER_FILL, HEADER_FONT, CENTRED
        for i, label in enumerate(row_labels):
            r = top + 1 + i
            cell = ws.cell(r, left)
            set_text(cell, label)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            for j in range(len(col_labels)):
                cell = ws.cell(r, left + 1 + j)
                value = values[i][j] if i < len(values) and j < len(values[i]) else None
                self._write(cell, value, "integer" if isinstance(value, int) else "text")
                cell.alignment = CENTRED
                if colour is not None:
                    paint(cell, colour(i, j), bold=True)
        return top + 1 + len(row_labels)

    # cells ---------------------------------------------------------------------------------
    def _write(self, cell: Cell, value: Any, kind: str) -> None:
        if value is None or value == "" or value == []:
            cell.value = None
        elif isinstance(value, _dt.date) or (kind == "date" and isinstance(value, str)):
            try:
                day = value if isinstance(value, _dt.date) else _dt.date.fromisoformat(value)
            except ValueError:
                set_text(cell, value)  # keep what the user typed, visibly
            else:
                cell.value = day
                cell.number_format = "yyyy-mm-dd"
        elif kind == "integer" and isinstance(value, int) and not isinstance(value, bool):
            cell.value = value
        elif isinstance(value, (list, tuple)):
            # IDs read as a list of references; choices as a list of picks
            set_text(cell, (", " if kind == "refs" else "; ").join(str(v) for v in value))
        else:
            set_text(cell, value)
        cell.alignment = WRAP_TOP

    @staticmethod
    def _fit_header_height(ws: Worksheet, row: int, left: int, headers: Sequence[str]) -> None:
        """Give a header row the height its wrapped titles need (spreadsheets do not grow a
        row on their own when a file is opened)."""
        lines = 1
        for j, header in enumerate(headers):
            width = ws.column_dimensions[get_column_letter(left + j)].width or 13
            # bold header text is about 1.15 character widths per character
            need = -(-int(len(neutralise(header)) * 1.15) // max(1, int(width) - 1))
            lines = max(lines, min(need, 4))
        if lines > 1:
            ws.row_dimensions[row].height = 15 * lines

    @staticmethod
    def _fit_row_height(ws: Worksheet, row: int, columns: Sequence[Column]) -> None:
        """Give a data row the height its longest wrapped text needs (about 1.1 characters
        per unit of column width, 15 points a line, at most Excel's 409 points)."""
        lines = 1
        for j, col in enumerate(columns, start=1):
            value = ws.cell(row, j).value
            if not isinstance(value, str) or not value:
                continue
            per_line = max(1, int(col.width * 1.1) - 1)
            need = sum(max(1, -(-len(part) // per_line)) for part in value.split("\n"))
            lines = max(lines, need)
        if lines > 1:
            ws.row_dimensions[row].height = min(409, 15 * lines)

    def _drop_down(self, ws: Worksheet, col_index: int, col: Column,
                   last_row: int = VALIDATION_ROWS + 1) -> None:
        ref = self._list_ref(col.list_name or col.header, col.choices)
        dv = DataValidation(type="list", formula1=ref, allow_blank=True, showDropDown=False)
        dv.error = neutralise(f"Choose one of the values listed for {col.header}.")[:255]
        dv.errorTitle = "Value not in the list"[:32]
        dv.showErrorMessage = True
        if col.prompt:
            dv.promptTitle = neutralise(col.header)[:32]
            dv.prompt = neutralise(col.prompt)[:255]
            dv.showInputMessage = True
        letter = get_column_letter(col_index)
        dv.add(f"{letter}2:{letter}{last_row}")
        ws.add_data_validation(dv)

    def _list_ref(self, name: str, choices: tuple[str, ...]) -> str:
        if self._lists_ws is None:
            self._lists_ws = self.wb.create_sheet("Lists")
            self._lists_ws.sheet_state = "hidden"
        key = neutralise(name)
        if key in self._lists and self._lists[key] != choices:
            key = f"{key} ({len(self._lists)})"
        if key not in self._lists:
            self._lists[key] = choices
            j = len(self._lists)
            ws = self._lists_ws
            set_text(ws.cell(1, j), key)
            ws.cell(1, j).font = Font(bold=True)
            for i, choice in enumerate(choices, start=2):
                if isinstance(choice, int) and not isinstance(choice, bool):
                    ws.cell(i, j).value = choice  # a rating picked from the list stays a number
                else:
                    set_text(ws.cell(i, j), choice)
            ws.column_dimensions[get_column_letter(j)].width = max(12, min(40, len(key) + 2))
        j = list(self._lists).index(key) + 1
        letter = get_column_letter(j)
        return f"{quote_sheetname('Lists')}!${letter}$2:${letter}${len(choices) + 1}"

    def _print_setup(self, ws: Worksheet, repeat_header: bool = True) -> None:
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        if repeat_header:
            ws.print_title_rows = "1:1"
        # the whole header (both sections and their codes) must stay within 255 characters
        ws.oddHeader.left.text = _cut_escaped(neutralise(self.control.classification), 60, "&", "&&")
        ws.oddHeader.right.text = _cut_escaped(neutralise(self.control.organisation),
                                               HEADER_LIMIT - 60 - 20, "&", "&&")
        ws.oddFooter.left.text = neutralise(ws.title).replace("&", "&&")
        ws.oddFooter.right.text = "Page &P of &N"

    # saving --------------------------------------------------------------------------------
    def _properties(self) -> None:
        c = self.control
        p = self.wb.properties
        p.title = neutralise(c.title)
        p.subject = neutralise(f"{c.organisation}: AI extension of the ISMS")
        p.creator = "aigov-tui"
        p.keywords = "ISO/IEC 27001; AI; " + neutralise("; ".join(c.frameworks))
        p.version = neutralise(c.version)
        p.category = neutralise(c.classification)
        p.description = neutralise(f"Owner: {c.owner}. Classification: {c.classification}.")
        for name, value in (
            ("Organisation", c.organisation), ("Classification", c.classification),
            ("Version", c.version), ("Owner", c.owner), ("Frameworks", "; ".join(c.frameworks)),
            ("AssessmentId", c.assessment_id), ("AigovFormatVersion", c.format_version),
        ):
            self.wb.custom_doc_props.append(StringProperty(name=name, value=neutralise(value) or "-"))

    def save(self, path: Path) -> Path:
        """Write atomically: a reader never sees half a workbook."""
        self._properties()
        if self._lists_ws is not None:
            self.wb.move_sheet(self._lists_ws, offset=len(self.wb.sheetnames))
        path = Path(path)
        # build the zip in memory: a full disk then fails our plain write below, never the
        # ZipFile (whose clean-up would print "Exception ignored in ZipFile.__del__" noise)
        buffer = io.BytesIO()
        self.wb.save(buffer)
        data = buffer.getbuffer()
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            try:
                _write_all(fd, data)
            finally:
                os.close(fd)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return path

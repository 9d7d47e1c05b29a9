"""The workbook framework every export sheet goes through (openpyxl).

* one text neutraliser for every cell that holds user or imported text: no formula, no
  control characters, no silent truncation;
* workbook conventions: frozen header row, autofilter, widths and wrapping, row heights from
  the wrapped text, landscape printing with repeated header rows (and ID columns on wide
  sheets: A3, detail columns grouped and printed on the pages after the core ones),
  classification and organisation in the page header;
* drop-downs on enumerated columns, fed from a hidden ``Lists`` sheet;
* conditional fills (a value or a number range gets a colour), named colours with a readable
  font, and free-form sheets built from titled blocks and grids (method, heatmap);
* document properties (title, organisation, version, classification, format version) and,
  on the hidden ``Lists`` sheet, what the importer needs to read an edited copy back: the
  assessment ID, the format version and a fingerprint of every exported register row.

Cells are written through shared style arrays (one per column and kind, built once), not a
new style object per cell, so a large register costs little more than its bare values.
"""

from __future__ import annotations

import datetime as _dt
import io
import os
import re
import tempfile
import zlib
from types import SimpleNamespace
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles.cell_style import StyleArray
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
MAX_ROW_POINTS = 409
"""Excel's highest row; a cell needing more is cut short on screen and paper (and said so)."""
LINE_POINTS = 15
LISTS_SHEET = "Lists"
SYNC_MARKER = "aigov-tui sync"
"""Heads the block of the Lists sheet that records the assessment ID, the format version and the
row fingerprints (read back by ``workbook_import``)."""

HEADER_FILL = PatternFill("solid", fgColor="1F3864")
HEADER_FONT = Font(bold=True, color="FFFFFF")
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
LEFT_TOP = Alignment(horizontal="left", wrap_text=True, vertical="top")
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


def canonical(value: Any, kind: str = "text") -> str:
    """The text a cell value stands for, the same whether it comes from the assessment (what
    the exporter writes) or from a cell read back (after Excel or LibreOffice saved it): dates
    as YYYY-MM-DD, whole numbers without '.0', lists joined as the sheet joins them, text
    neutralised with line ends unified and trailing spaces of each line dropped."""
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, _dt.datetime):
        if value.time() == _dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)  # as the writer stores it (text)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (list, tuple)):
        value = (", " if kind == "refs" else "; ").join(str(v) for v in value)
    text = neutralise(value)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


FIELD_HASH = 6
"""Hex digits per cell in a row fingerprint: a change goes unnoticed once in 16 million."""


def field_hash(text: str) -> str:
    """A short hash of a cell's canonical text (change detection, not security: a forged
    match can only make the importer skip an edit, never apply one)."""
    return format(zlib.crc32(text.encode("utf-8", "surrogatepass")) & 0xFFFFFF, "06x")


def header_width(header: str) -> int:
    """The narrowest column whose bold header breaks no word in two (LibreOffice and Excel
    break a word longer than the cell: "Confidenti-ality"), with a unit to spare for the
    autofilter button."""
    longest = max((len(w) for w in header.split()), default=0)
    return int((longest + 1) * 1.15 / 1.1 + 0.999) + 1


def text_lines(text: str, width: float) -> tuple[int, bool]:
    """Lines a wrapped text needs in a column ``width`` characters wide (Calibri 11: about 1.1
    characters per unit of width, words kept whole), and whether it needs more than the
    highest row shows."""
    per_line = max(1, int(width * 1.1) - 1)
    lines = 0
    for part in text.split("\n"):
        if len(part) <= per_line:
            lines += 1
            continue
        # greedy word wrap, as spreadsheets do; a word longer than the line is broken
        used = 0
        count = 1
        for word in part.split(" "):
            size = len(word)
            if used and used + 1 + size > per_line:
                count += 1
                used = 0
            if size > per_line:
                count += (size - 1) // per_line
                size = size % per_line or per_line
            used = size if not used else used + 1 + size
        lines += count
    return max(1, lines), LINE_POINTS * lines > MAX_ROW_POINTS


@dataclass(frozen=True)
class PrintPlan:
    paper: str
    fit: bool
    scale: int = 100


SIDE_MARGIN = 0.25
"""Left and right page margins, inches."""
A4_WIDTH = 115
A3_WIDTH = 164
"""Units of column width (openpyxl's ``width``) a landscape page holds at 100 % between
:data:`SIDE_MARGIN` margins, as LibreOffice prints them (measured: 164 columns of width 1 fill
an A3 page, 115 an A4 one; Excel fits a little more, so LibreOffice is the one to plan for)."""
READABLE_SCALE = 70
"""The smallest print scale (per cent) an auditor still reads comfortably (11-point text
prints at about 7.7 points)."""


def print_plan(total_width: float, paper: str = "", core_width: float = 0,
               detail_width: float = 0) -> PrintPlan:
    """Paper and scaling for a table ``total_width`` units wide (see ``_print_setup``).

    A table that fits one page wide at a readable scale is fitted to it (A4 if it fits there
    and A3 was not asked for). A wider one prints on A3 across pages, at the largest scale
    (up to 100 %, never under :data:`READABLE_SCALE`) at which both its core columns
    (``core_width``) and its detail columns with the repeated ID column (``detail_width``)
    each fit one page wide."""
    if paper != "A3" and total_width * READABLE_SCALE / 100 <= A4_WIDTH:
        return PrintPlan("A4", True)
    if total_width * READABLE_SCALE / 100 <= A3_WIDTH:
        return PrintPlan("A3", True)
    widest = max(core_width, detail_width) or total_width
    scale = int(A3_WIDTH * 100 // widest)
    return PrintPlan("A3", False, max(READABLE_SCALE, min(100, scale)))


def column_of(ref: str) -> int:
    """The column number of a cell reference such as 'C2'."""
    letters = re.match(r"[A-Z]*", ref.upper()).group(0)
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


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
    key: str = ""
    """The register field the column shows ('' for a column computed for the sheet only)."""
    read_only: bool = False
    """Derived: exported for reading, never imported (an edit there is reported, not applied)."""
    parse: Callable[[Any], Any] | None = None
    """Turns a cell's value back into the field's raw value when ``get`` shows it another way
    (e.g. role titles for role keys); None: the cell's value is the raw value."""


@dataclass(frozen=True)
class Layout:
    """How a table sheet prints. ``core`` is how many leading columns form the auditor's core
    view; on a sheet too wide for a page the columns after them are grouped (an outline the
    reader can fold) and print on the pages after the core ones, with the ID columns (those
    left of the frozen pane) and the header row repeated on every page."""

    core: int = 0
    paper: str = ""
    """'A3' or 'A4'; '' chooses from the width."""


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
        self._styles: dict[tuple[Any, ...], StyleArray] = {}
        self._scratch: Cell | None = None
        self.fingerprints: dict[str, tuple[list[str], list[tuple[str, str]]]] = {}
        """Sheet -> (field keys, [(record ID, fingerprint)]), recorded by :meth:`add_table`."""
        self.capped: dict[str, list[str]] = {}
        """Sheet -> the rows (first cell) whose text needs more than the highest row shows."""
        self.cover: Worksheet | None = None

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
            ws.cell(r, 2).alignment = LEFT_TOP  # a date would otherwise sit at the far right
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
                ws.cell(r, 1).alignment = WRAP_TOP
                ws.cell(r, 2).alignment = WRAP_TOP
        ws.column_dimensions["A"].width = 22
        ws.column_dimensions["B"].width = 90
        for row in range(3, r + 1):
            value = ws.cell(row, 2).value
            if isinstance(value, str):
                lines, _ = text_lines(value, 90)
                if lines > 1:
                    ws.row_dimensions[row].height = min(MAX_ROW_POINTS, LINE_POINTS * lines)
        self._print_setup(ws, repeat_header=False)
        self.cover = ws
        return ws

    def add_table(self, title: str, columns: Sequence[Column], rows: Iterable[dict[str, Any]],
                  freeze: str = "B2", fit_rows: bool = True,
                  open_rows: int | None = None, layout: Layout | None = None,
                  fingerprint: bool = False) -> Worksheet:
        """A register-style sheet: one header row, one row per record.

        Every data row gets the height its wrapped text needs (spreadsheets do not grow rows
        when a file is opened; ``fit_rows=False`` leaves the default height). Drop-downs and
        conditional fills reach :data:`VALIDATION_ROWS` rows below the header, so rows a user
        adds get them too; ``open_rows`` stops them after that many rows instead (for a sheet
        with blocks written below the table, e.g. summary counts). ``fingerprint`` records, for
        the importer, each row's record ID and one hash per cell (see :func:`field_hash`)."""
        ws = self.wb.create_sheet(safe_sheet_title(title))
        # no header word broken across lines: widen a column its header's longest word needs
        columns = [c if c.width >= header_width(c.header) else replace(c, width=header_width(c.header))
                   for c in columns]
        header_style = self._style(font=HEADER_FONT, fill=HEADER_FILL,
                                   alignment=Alignment(wrap_text=True, vertical="center"))
        for j, col in enumerate(columns, start=1):
            self._put(ws, 1, j, *self._text_cell(col.header, header_style))
            ws.column_dimensions[get_column_letter(j)].width = col.width
        self._fit_header_height(ws, 1, 1, [c.header for c in columns])
        plain = self._style(alignment=WRAP_TOP)
        quoted = self._style(alignment=WRAP_TOP, quote=True)
        dated = self._style(alignment=WRAP_TOP, number_format="yyyy-mm-dd")
        per_line = [max(1, int(col.width * 1.1) - 1) for col in columns]
        prints: list[tuple[str, str]] = []
        capped: list[str] = []
        cells = ws._cells
        cell_value = self._cell_value
        empty = field_hash("")
        n = 1
        for n, row in enumerate(rows, start=2):
            lines = 1
            hashes = []
            for j, col in enumerate(columns, start=1):
                value, data_type, style = cell_value(col.get(row), col.kind, plain, quoted, dated)
                if value is None:
                    if fingerprint:
                        hashes.append(empty)
                    continue
                # a bare cell sharing the column's style array (no per-cell style objects)
                cell = Cell.__new__(Cell)
                cell.parent, cell.row, cell.column = ws, n, j
                cell._value, cell.data_type, cell._style = value, data_type, style
                cell._hyperlink = cell._comment = None
                cells[(n, j)] = cell
                if data_type == "s":
                    if fit_rows and (len(value) > per_line[j - 1] or "\n" in value):
                        need, _ = text_lines(value, columns[j - 1].width)
                        lines = max(lines, need)
                    if fingerprint:
                        token = (canonical(value) if "\n" in value or value[:1].isspace()
                                 or value[-1:].isspace() else value)
                        hashes.append(field_hash(token))
                elif fingerprint:
                    hashes.append(field_hash(value.isoformat() if data_type == "d" else str(value)))
            if lines > 1:
                points = LINE_POINTS * lines
                if points > MAX_ROW_POINTS:
                    capped.append(str(row.get("id") or n))
                ws.row_dimensions[n].height = min(MAX_ROW_POINTS, points)
            if fingerprint:
                prints.append((str(row.get("id") or ""), "".join(hashes)))
        if capped:
            self.capped[ws.title] = capped
        if fingerprint:
            self.fingerprints[ws.title] = ([c.key for c in columns], prints)
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
        self._print_setup(ws, columns=columns, layout=layout or Layout(), freeze=freeze)
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
    def _style(self, font: Font | None = None, fill: PatternFill | None = None,
               alignment: Alignment | None = None, number_format: str | None = None,
               quote: bool = False) -> StyleArray:
        """One shared style array per combination (built once per workbook)."""
        key = (font, fill, alignment, number_format, quote)
        found = self._styles.get(key)
        if found is None:
            if self._scratch is None:  # a cell of no sheet: styles only need the workbook
                self._scratch = Cell(SimpleNamespace(parent=self.wb))
            cell = self._scratch
            cell._style = StyleArray()
            if font is not None:
                cell.font = font
            if fill is not None:
                cell.fill = fill
            if alignment is not None:
                cell.alignment = alignment
            if number_format is not None:
                cell.number_format = number_format
            if quote:
                cell.quotePrefix = True
            found = self._styles[key] = StyleArray(cell._style)
        return found

    def _text_cell(self, value: Any, style: StyleArray) -> tuple[str, str, StyleArray]:
        text = neutralise(value)
        if text[:1] in FORMULA_TRIGGERS:
            style = StyleArray(style)
            style.quotePrefix = 1
        return text, "s", style

    @staticmethod
    def _put(ws: Worksheet, row: int, col: int, value: Any, data_type: str,
             style: StyleArray) -> None:
        cell = Cell(ws, row=row, column=col, style_array=style)
        cell._value, cell.data_type = value, data_type
        ws._cells[(row, col)] = cell

    def _cell_value(self, value: Any, kind: str, plain: StyleArray, quoted: StyleArray,
                    dated: StyleArray) -> tuple[Any, str, StyleArray]:
        """(value, data type, style) of a table cell, the same conversions as :meth:`_write`;
        value None for an empty cell (not written at all)."""
        if value is None or value == "" or value == []:
            return None, "n", plain
        if isinstance(value, _dt.date) or (kind == "date" and isinstance(value, str)):
            try:
                day = value if isinstance(value, _dt.date) else _dt.date.fromisoformat(value)
            except ValueError:
                pass  # keep what the user typed, visibly, as text
            else:
                if isinstance(day, _dt.datetime):
                    day = day.date()
                return day, "d", dated
        elif kind == "integer" and isinstance(value, int) and not isinstance(value, bool):
            return value, "n", plain
        if isinstance(value, (list, tuple)):
            value = (", " if kind == "refs" else "; ").join(str(v) for v in value)
        text = neutralise(value)
        if not text:
            return None, "n", plain
        return text, "s", quoted if text[:1] in FORMULA_TRIGGERS else plain

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
            # bold header text is about 1.15 character widths per character; words kept whole
            need = text_lines(neutralise(header), width / 1.15)[0]
            lines = max(lines, min(need, 4))
        if lines > 1:
            ws.row_dimensions[row].height = 15 * lines

    @staticmethod
    def _fit_row_height(ws: Worksheet, row: int, columns: Sequence[Column]) -> None:
        """Give a data row the height its longest wrapped text needs (see :func:`text_lines`),
        at most Excel's 409 points."""
        lines = 1
        for j, col in enumerate(columns, start=1):
            value = ws.cell(row, j).value
            if isinstance(value, str) and value:
                lines = max(lines, text_lines(value, col.width)[0])
        if lines > 1:
            ws.row_dimensions[row].height = min(MAX_ROW_POINTS, LINE_POINTS * lines)

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
        self._lists_sheet()
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

    def _print_setup(self, ws: Worksheet, repeat_header: bool = True,
                     columns: Sequence[Column] = (), layout: Layout | None = None,
                     freeze: str = "") -> None:
        """Landscape, header row repeated, classification and organisation in the page header.

        A sheet that fits one A4 page wide at a readable size is fitted to it; a wider one
        goes on A3, fitted to one page wide if that stays readable; wider still, it prints at
        a fixed readable scale across several pages, core columns first, with the header row
        and the ID columns (left of the frozen pane) on every page and the detail columns
        grouped so a reader can fold them away."""
        ws.page_setup.orientation = "landscape"
        widths = [c.width for c in columns]
        core = layout.core if layout and 0 < layout.core < len(columns) else 0
        frozen = column_of(freeze) - 1 if freeze else 0
        plan = print_plan(sum(widths), (layout.paper if layout else ""),
                          core_width=sum(widths[:core]),
                          detail_width=(widths[0] if frozen else 0) + sum(widths[core:]))
        ws.page_setup.paperSize = ws.PAPERSIZE_A3 if plan.paper == "A3" else ws.PAPERSIZE_A4
        ws.print_options.horizontalCentered = False
        ws.page_margins.left = ws.page_margins.right = SIDE_MARGIN
        ws.page_margins.top = ws.page_margins.bottom = 0.6
        ws.page_margins.header = ws.page_margins.footer = 0.3
        if plan.fit:
            ws.page_setup.fitToWidth = 1
            ws.page_setup.fitToHeight = 0
            ws.sheet_properties.pageSetUpPr.fitToPage = True
        else:
            ws.sheet_properties.pageSetUpPr.fitToPage = False
            ws.page_setup.scale = plan.scale
            ws.page_setup.pageOrder = "overThenDown"
            if frozen >= 1:
                # the ID column on every page (the rest of the frozen pane is on the core page)
                ws.print_title_cols = "A:A"
            if core:
                ws.sheet_properties.outlinePr.summaryRight = False
                # one outlined <col> per column: openpyxl's group() writes one <col> spanning
                # them all with the first one's width, which LibreOffice applies to every one
                for j in range(core + 1, len(columns) + 1):
                    dim = ws.column_dimensions[get_column_letter(j)]
                    dim.width = widths[j - 1]
                    dim.outline_level = 1
                # the core columns end a page, so the details start on the next one
                from openpyxl.worksheet.pagebreak import Break, ColBreak
                ws.col_breaks = ColBreak()
                ws.col_breaks.append(Break(id=core))
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

    def _lists_sheet(self) -> Worksheet:
        if self._lists_ws is None:
            self._lists_ws = self.wb.create_sheet(LISTS_SHEET)
            self._lists_ws.sheet_state = "hidden"
        return self._lists_ws

    def _write_sync(self) -> None:
        """The block the importer reads, right of the drop-down lists on the Lists sheet:
        marker, format version, assessment ID, then per exported register sheet its field
        keys and one (record ID, fingerprint) row per record."""
        ws = self._lists_sheet()
        col = len(self._lists) + 2
        rows: list[tuple[str, str, str]] = [
            (SYNC_MARKER, "format", self.control.format_version),
            (SYNC_MARKER, "assessment", self.control.assessment_id),
            (SYNC_MARKER, "exported", self.control.date.isoformat()),
        ]
        for sheet, (keys, prints) in self.fingerprints.items():
            rows.append((sheet, "", ",".join(keys)))
            rows.extend((sheet, rid, fp) for rid, fp in prints)
        text = self._style()
        cells = ws._cells
        for i, values in enumerate(rows, start=1):
            for k, value in enumerate(values):
                if value:
                    cell = Cell(ws, row=i, column=col + k, style_array=text)
                    cell._value, cell.data_type = neutralise(value), "s"
                    cells[(i, col + k)] = cell

    def _note_capped_rows(self) -> None:
        """Say on the Cover which rows hold more text than the highest row shows."""
        if not self.capped or self.cover is None:
            return
        ws = self.cover
        r = ws.max_row + 2
        set_text(ws.cell(r, 1), "Rows cut short")
        ws.cell(r, 1).font = Font(bold=True)
        for sheet, ids in self.capped.items():
            shown = ", ".join(ids[:20]) + (f" and {len(ids) - 20} more" if len(ids) > 20 else "")
            r += 1
            set_text(ws.cell(r, 1), sheet)
            set_text(ws.cell(r, 2), f"Text taller than a row can be ({MAX_ROW_POINTS} points): "
                                    f"{shown}. Read the whole cell in the formula bar or "
                                    f"widen the column; the cell itself holds all of it.")
            ws.cell(r, 2).alignment = WRAP_TOP
            ws.row_dimensions[r].height = LINE_POINTS * text_lines(ws.cell(r, 2).value, 90)[0]

    def save(self, path: Path) -> Path:
        """Write atomically: a reader never sees half a workbook."""
        self._properties()
        self._note_capped_rows()
        if self.fingerprints:
            self._write_sync()
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

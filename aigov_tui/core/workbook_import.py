"""Read an edited copy of an exported workbook back into the assessment, with a diff first.

The importer reads the same sheet declarations the exporter writes (``sheets_all``): each
register sheet's columns say which field a header holds, how its cells read back and whether
it is read-only. Rows are matched by stable ID. The diff lists rows added in the workbook,
rows changed field by field (old -> new), rows missing from the workbook (never deleted
without ``delete_missing``), rows that cannot be applied with the reason, and conflicts: a
field changed both in the assessment since the export and in the workbook.

The workbook is untrusted: its size, the uncompressed size of its parts, its rows and columns
are limited before openpyxl parses anything; XML goes through defusedxml; external links and
data connections are refused, never followed; formulas are read as their text.

Applying is all or nothing: the changes are applied to a copy of the assessment; only when
every accepted row applies is the copy returned, for the caller to save (after a backup) in
one atomic write.
"""

from __future__ import annotations

import functools
import datetime as _dt
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import openpyxl
import openpyxl.xml

from . import soa
from .model import Assessment, RecordError, add_record, delete_record, update_record
from .registers import CLAUSES, SOA
from .schema import Register, natural_key
from .sheets import WORKBOOK_FORMAT_VERSION, Build, Sheet, split_fingerprint
from .sheets_all import all_sheets, register_sheets
from .xlsx import LISTS_SHEET, SYNC_MARKER, Column, canonical, field_hash

MAX_FILE_BYTES = 50 * 1024 ** 2
MAX_UNCOMPRESSED_BYTES = 400 * 1024 ** 2
MAX_ZIP_ENTRIES = 2000
MAX_ROWS = 50_000
MAX_COLUMNS = 200
KNOWN_EXTRA_SHEETS = ("Cover", LISTS_SHEET)


@functools.lru_cache(maxsize=1)
def _bundled() -> Any:
    from .catalogs import load_catalogs

    return load_catalogs()


class WorkbookRefused(Exception):
    """A workbook that cannot be read; the message is one line naming the file and why."""


class ImportRefused(Exception):
    """An import that cannot be applied as asked (nothing was changed)."""


ADDED, CHANGED, MISSING, UNAPPLIABLE = "added", "changed", "missing", "unappliable"


@dataclass
class FieldChange:
    key: str
    label: str
    old: str
    new: str
    value: Any = None
    """What the workbook's cell reads back as (the field's raw value, parsed on apply)."""
    conflict: bool = False
    """The assessment changed this field since the export too (``old`` is its value now)."""


@dataclass
class RowDiff:
    sheet: str
    register: str
    record_id: str
    kind: str
    changes: list[FieldChange] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    row: int = 0
    """The row of the sheet (0 for a record missing from the workbook)."""

    @property
    def key(self) -> tuple[str, str, int]:
        return self.sheet, self.record_id, self.row

    @property
    def conflicts(self) -> list[FieldChange]:
        return [c for c in self.changes if c.conflict]

    def describe(self) -> list[str]:
        """Lines for the CLI: the row, then one line per field or reason."""
        where = f"{self.sheet} {self.record_id or f'row {self.row}'}"
        head = {ADDED: f"+ {where}: added", CHANGED: f"~ {where}: changed",
                MISSING: f"- {where}: not in the workbook (kept unless deletion is confirmed)",
                UNAPPLIABLE: f"! {where}: cannot be applied"}[self.kind]
        lines = [head]
        for c in self.changes:
            if c.conflict:
                lines.append(f"    {c.label}: CONFLICT assessment now {c.old!r}, workbook {c.new!r}")
            else:
                lines.append(f"    {c.label}: {c.old!r} -> {c.new!r}")
        lines += [f"    {r}" for r in self.reasons]
        return lines


@dataclass
class ImportDiff:
    path: Path
    assessment_id: str
    format_version: str
    exported: str
    rows: list[RowDiff] = field(default_factory=list)
    foreign: bool = False
    """The workbook names another assessment (read only when the caller allowed it)."""

    def of_kind(self, kind: str) -> list[RowDiff]:
        return [r for r in self.rows if r.kind == kind]

    @property
    def conflicts(self) -> list[RowDiff]:
        return [r for r in self.rows if r.conflicts]

    @property
    def empty(self) -> bool:
        return not any(r.kind != MISSING for r in self.rows)

    def summary(self) -> str:
        n = {k: len(self.of_kind(k)) for k in (ADDED, CHANGED, MISSING, UNAPPLIABLE)}
        return (f"{n[ADDED]} added, {n[CHANGED]} changed, {n[MISSING]} missing from the "
                f"workbook, {n[UNAPPLIABLE]} cannot be applied, {len(self.conflicts)} with "
                f"conflicts")


# -- reading the file safely ---------------------------------------------------------------------
def check_container(path: Path) -> None:
    """Refuse, in one line, a file that is not a plain xlsx or is too big to read safely."""
    name = path.name
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise WorkbookRefused(f"{name}: no such file.") from None
    except OSError as exc:
        raise WorkbookRefused(f"{name}: cannot be read ({exc.strerror or exc}).") from None
    if not path.is_file():
        raise WorkbookRefused(f"{name} is not a file.")
    if size > MAX_FILE_BYTES:
        raise WorkbookRefused(f"{name} is {size // 1024 ** 2} MB; workbooks over "
                              f"{MAX_FILE_BYTES // 1024 ** 2} MB are not read.")
    with path.open("rb") as fh:
        magic = fh.read(8)
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise WorkbookRefused(f"{name} is encrypted or password-protected (or an old .xls "
                              "file): save it again as an unprotected .xlsx workbook.")
    if not magic.startswith(b"PK"):
        raise WorkbookRefused(f"{name} is not an xlsx workbook.")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile:
        raise WorkbookRefused(f"{name} is truncated or damaged (not a readable xlsx "
                              "archive).") from None
    if len(infos) > MAX_ZIP_ENTRIES:
        raise WorkbookRefused(f"{name} has {len(infos)} parts; more than {MAX_ZIP_ENTRIES} is "
                              "not a workbook this tool wrote.")
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise WorkbookRefused(f"{name} is not an xlsx workbook (no workbook part).")
    if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED_BYTES:
        raise WorkbookRefused(f"{name} unpacks to more than "
                              f"{MAX_UNCOMPRESSED_BYTES // 1024 ** 2} MB; not read.")
    if any(n.startswith("xl/externalLinks/") for n in names):
        raise WorkbookRefused(f"{name} links to other workbooks (external links); remove the "
                              "links and save it again. Links are never followed.")
    if "xl/connections.xml" in names:
        raise WorkbookRefused(f"{name} has data connections; remove them and save it again. "
                              "Connections are never followed.")
    if any(i.flag_bits & 0x1 for i in infos):
        raise WorkbookRefused(f"{name} is encrypted or password-protected.")


def read_workbook(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every sheet's cell values (formulas as their text), within the row and column limits."""
    path = Path(path)
    check_container(path)
    if not openpyxl.xml.DEFUSEDXML:  # pragma: no cover - defusedxml is a dependency
        raise WorkbookRefused("defusedxml is not in use; refusing to parse an untrusted file.")
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds for broken parts
        raise WorkbookRefused(f"{path.name} is truncated or damaged: "
                              f"{type(exc).__name__}.") from None
    out: dict[str, list[tuple[Any, ...]]] = {}
    try:
        for ws in wb.worksheets:
            rows = []
            for values in ws.iter_rows(values_only=True):
                if len(rows) >= MAX_ROWS:
                    raise WorkbookRefused(f"{path.name}: sheet '{ws.title}' has more than "
                                          f"{MAX_ROWS} rows; not read.")
                last = len(values)
                while last and values[last - 1] in (None, ""):
                    last -= 1
                if last > MAX_COLUMNS:
                    raise WorkbookRefused(f"{path.name}: sheet '{ws.title}' has more than "
                                          f"{MAX_COLUMNS} columns; not read.")
                rows.append(tuple(values[:last]))
            while rows and not rows[-1]:
                rows.pop()
            out[ws.title] = rows
    except WorkbookRefused:
        raise
    except Exception as exc:
        raise WorkbookRefused(f"{path.name} is truncated or damaged: "
                              f"{type(exc).__name__}.") from None
    finally:
        wb.close()
    return out


def read_sync(values: dict[str, list[tuple[Any, ...]]], name: str
              ) -> tuple[dict[str, str], dict[str, tuple[list[str], dict[str, str]]]]:
    """The identity block (format, assessment, exported) and per sheet (keys, ID -> fingerprint)."""
    rows = values.get(LISTS_SHEET)
    if rows is None:
        raise WorkbookRefused(f"{name} was not exported by aigov (no {LISTS_SHEET} sheet).")
    col = None
    for row in rows[:3]:
        for j, v in enumerate(row):
            if v == SYNC_MARKER:
                col = j
                break
        if col is not None:
            break
    if col is None:
        raise WorkbookRefused(f"{name} was not exported by aigov (no sync block on the "
                              f"{LISTS_SHEET} sheet).")
    ident: dict[str, str] = {}
    prints: dict[str, tuple[list[str], dict[str, str]]] = {}
    for row in rows:
        cells = [str(v) if v is not None else "" for v in row[col:col + 3]] + ["", "", ""]
        sheet, rid, value = cells[:3]
        if not sheet:
            continue
        if sheet == SYNC_MARKER:
            ident[rid] = value
        elif not rid:
            prints[sheet] = (value.split(",") if value else [], {})
        elif sheet in prints:
            prints[sheet][1][rid] = value
    return ident, prints


# -- the diff ------------------------------------------------------------------------------
def _current_rows(sheet: Sheet, build: Build) -> tuple[list[Column], dict[str, dict[str, Any]]]:
    columns = list(sheet.columns(build))  # type: ignore[misc]
    rows = {str(r.get("id") or ""): r for r in sheet.rows(build)}  # type: ignore[misc]
    return columns, rows


def _cell_raw(col: Column, value: Any) -> Any:
    """A cell's value as the field's raw input: formulas as their text, a drop-down's
    numbers as whole numbers, dates as dates, and the column's own reading (e.g. role titles)."""
    if isinstance(value, _dt.datetime) and value.time() == _dt.time(0):
        value = value.date()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        value = value.replace("\r\n", "\n")
    if col.parse is not None:
        value = col.parse(value)
    return value


def diff_workbook(assessment: Assessment, path: Path | str, catalogs: Any = None, *,
                  today: _dt.date | None = None, allow_foreign: bool = False) -> ImportDiff:
    """Compare a workbook with the assessment; nothing is changed. Raises WorkbookRefused."""
    path = Path(path)
    if catalogs is None:
        catalogs = _bundled()
    values = read_workbook(path)
    ident, prints = read_sync(values, path.name)
    if ident.get("format") != WORKBOOK_FORMAT_VERSION:
        raise WorkbookRefused(f"{path.name} is in workbook format {ident.get('format')!r}; this "
                              f"aigov reads format {WORKBOOK_FORMAT_VERSION}.")
    theirs = ident.get("assessment", "")
    ours = str(assessment.meta.get("assessment_id") or "")
    foreign = theirs != ours
    if foreign and not allow_foreign:
        raise WorkbookRefused(f"{path.name} was exported from another assessment ({theirs}); "
                              f"this one is {ours}. Say so explicitly to read it anyway.")
    known = {s.name for s in all_sheets()} | {s.name for s in all_sheets("soa")}
    for name in values:
        if name not in known and name not in KNOWN_EXTRA_SHEETS:
            raise WorkbookRefused(f"{path.name}: unknown sheet '{name}' (a sheet this tool "
                                  "did not write); remove or rename it.")
    exported_day = today or _dt.date.today()
    try:
        exported_day = _dt.date.fromisoformat(ident.get("exported", ""))
    except ValueError:
        pass
    # derived, date-dependent values (overdue, state) compare as on the export date
    build = Build(assessment, catalogs, exported_day)
    diff = ImportDiff(path, theirs, ident.get("format", ""), ident.get("exported", ""),
                      foreign=foreign)
    for sheet in register_sheets().values():
        if sheet.name not in values:
            continue
        diff.rows.extend(_diff_sheet(sheet, values[sheet.name], build,
                                     prints.get(sheet.name), path.name, foreign))
    return diff


def _diff_sheet(sheet: Sheet, rows: list[tuple[Any, ...]], build: Build,
                prints: tuple[list[str], dict[str, str]] | None, name: str,
                foreign: bool) -> list[RowDiff]:
    register = sheet.register
    assert register is not None
    columns, current = _current_rows(sheet, build)
    by_header = {c.header: c for c in columns}
    if not rows:
        return []
    header = [str(v).strip() if v is not None else "" for v in rows[0]]
    cols: list[tuple[int, Column]] = []
    for j, h in enumerate(header):
        if not h:
            continue
        col = by_header.get(h)
        if col is None:
            raise WorkbookRefused(f"{name}: sheet '{sheet.name}' has an unknown column "
                                  f"'{h}' (column {j + 1}).")
        cols.append((j, col))
    id_j = next((j for j, c in cols if c.key == "id"), None)
    if id_j is None:
        raise WorkbookRefused(f"{name}: sheet '{sheet.name}' has no '{columns[0].header}' "
                              "column; rows cannot be matched.")
    keys, exported = prints if prints else ([], {})
    key_pos = {k: i for i, k in enumerate(keys)}
    out: list[RowDiff] = []
    seen: dict[str, int] = {}
    keyed = register.keyed
    for i, row in enumerate(rows[1:], start=2):
        if sheet.below is not None and not any(v not in (None, "") for v in row[:len(header)]):
            break  # the blocks under the table are not rows of the register
        cells = {j: (row[j] if j < len(row) else None) for j, _ in cols}
        if all(v in (None, "") for v in cells.values()):
            continue
        rid = canonical(cells[id_j])
        if rid and rid in seen:
            out.append(RowDiff(sheet.name, register.name, rid, UNAPPLIABLE, row=i, reasons=[
                f"Duplicate ID: {rid} is also on row {seen[rid]}."]))
            continue
        if rid:
            seen[rid] = i
        if not rid:
            if keyed:
                out.append(RowDiff(sheet.name, register.name, "", UNAPPLIABLE, row=i, reasons=[
                    f"No {columns[0].header}: rows of this sheet are the catalog's controls "
                    "and clauses; a new one cannot be added here."]))
                continue
            added = RowDiff(sheet.name, register.name, "", ADDED, row=i)
            for j, col in cols:
                if col.key == "id" or cells[j] in (None, ""):
                    continue
                if col.read_only:
                    continue  # computed by aigov for a new record too
                added.changes.append(FieldChange(col.key, col.header, "",
                                                 canonical(cells[j], col.kind),
                                                 _cell_raw(col, cells[j])))
            out.append(added)
            continue
        record = current.get(rid)
        if record is None:
            why = ("it was deleted from the assessment after the export" if rid in exported
                   else "no record has this ID; leave the ID empty to add a new record")
            out.append(RowDiff(sheet.name, register.name, rid, UNAPPLIABLE, row=i,
                               reasons=[f"Unknown ID {rid}: {why}."]))
            continue
        fp = split_fingerprint(exported[rid]) if rid in exported and not foreign else None
        diff = RowDiff(sheet.name, register.name, rid, CHANGED, row=i)
        for j, col in cols:
            if col.key == "id":
                continue
            new = canonical(cells[j], col.kind)
            now = canonical(col.get(record), col.kind)
            then = fp[key_pos[col.key]] if fp and col.key in key_pos and \
                key_pos[col.key] < len(fp) else None
            if then is not None and field_hash(new) == then:
                continue  # the workbook did not touch this cell
            if new == now:
                continue
            if col.read_only:
                if then is None or field_hash(now) == then:
                    diff.reasons.append(f"{col.header} is computed by aigov (read-only); the "
                                        f"edit {now!r} -> {new!r} is not applied.")
                continue
            conflict = then is not None and field_hash(now) != then
            diff.changes.append(FieldChange(col.key, col.header, now, new,
                                            _cell_raw(col, cells[j]), conflict))
        if diff.reasons:
            diff.kind = UNAPPLIABLE
        if diff.changes or diff.reasons:
            out.append(diff)
    if not keyed:
        for rid in sorted(set(current) - set(seen), key=natural_key):
            out.append(RowDiff(sheet.name, register.name, rid, MISSING))
    return out


# -- applying ------------------------------------------------------------------------------
def _register(diff_row: RowDiff) -> Register:
    return register_sheets()[diff_row.sheet].register  # type: ignore[return-value]


def _apply_row(a: Assessment, catalogs: Any, row: RowDiff, choose: dict[str, str]) -> None:
    register = _register(row)
    values = {c.key: c.value for c in row.changes
              if not c.conflict or choose.get(c.key, "") == "theirs"}
    if row.kind == ADDED:
        add_record(a, register, values, catalogs)
        return
    if not values:
        return
    if register is SOA:
        soa.update_row(a, catalogs, row.record_id, values)
    elif register is CLAUSES:
        soa.update_clause(a, catalogs, row.record_id, values)
    else:
        existing = a.find(register, row.record_id) or {}
        update_record(a, register, row.record_id, {**existing, **values}, catalogs)


def validate_rows(assessment: Assessment, diff: ImportDiff, catalogs: Any) -> None:
    """Try every added and changed row on its own copy of the assessment: a row the model
    refuses (a value outside an enumeration, an unknown reference, a bad date, a required field
    left empty...) becomes unappliable, with the model's own messages as reasons."""
    for row in diff.rows:
        if row.kind not in (ADDED, CHANGED):
            continue
        trial = assessment.copy()
        try:
            _apply_row(trial, catalogs, row, {c.key: "theirs" for c in row.changes})
        except RecordError as exc:
            row.kind = UNAPPLIABLE
            row.reasons.extend(str(p.message) for p in exc.problems)
        except (KeyError, ValueError) as exc:
            row.kind = UNAPPLIABLE
            row.reasons.append(str(exc).strip("'\""))


def preview(assessment: Assessment, path: Path | str, catalogs: Any = None, *,
            allow_foreign: bool = False) -> ImportDiff:
    """The diff with every row checked against the model (nothing is changed)."""
    if catalogs is None:
        catalogs = _bundled()
    diff = diff_workbook(assessment, path, catalogs, allow_foreign=allow_foreign)
    validate_rows(assessment, diff, catalogs)
    return diff


def apply_diff(assessment: Assessment, diff: ImportDiff, catalogs: Any, *,
               rejected: Iterable[tuple[str, str, int]] = (), conflicts: str = "",
               choices: dict[tuple[str, str, int], dict[str, str]] | None = None,
               delete_missing: Iterable[tuple[str, str, int]] = ()) -> Assessment:
    """The assessment with the accepted rows applied, as a new copy (the original is never
    touched). ``rejected``: row keys left out. ``conflicts``: 'theirs' or 'ours' for every
    conflict not settled in ``choices`` (row key -> field key -> 'theirs' | 'ours').
    ``delete_missing``: keys of missing rows to delete. Raises ImportRefused when an accepted
    row cannot be applied or a conflict is unsettled."""
    skipped = set(rejected)
    choices = choices or {}
    out = assessment.copy()
    for row in diff.rows:
        if row.key in skipped or row.kind == MISSING:
            continue
        if row.kind == UNAPPLIABLE:
            raise ImportRefused(f"{row.sheet} {row.record_id or f'row {row.row}'} cannot be "
                                f"applied: {'; '.join(row.reasons)} Reject the row or fix the "
                                "workbook.")
        choose = dict(choices.get(row.key, {}))
        for c in row.conflicts:
            if c.key not in choose:
                if conflicts not in ("theirs", "ours"):
                    raise ImportRefused(f"{row.sheet} {row.record_id}: {c.label} was changed in "
                                        "the assessment after the export and in the workbook; "
                                        "choose theirs (the workbook) or ours.")
                choose[c.key] = conflicts
        try:
            _apply_row(out, catalogs, row, choose)
        except (RecordError, KeyError, ValueError) as exc:
            raise ImportRefused(f"{row.sheet} {row.record_id or f'row {row.row}'} cannot be "
                                f"applied: {exc}") from None
    wanted = set(delete_missing)
    for row in diff.rows:
        if row.kind == MISSING and row.key in wanted:
            delete_record(out, _register(row), row.record_id)
    return out


def import_into_store(store: Any, diff: ImportDiff, catalogs: Any, **choices: Any) -> Assessment:
    """Apply and save: the file is backed up, then written once, atomically. Any failure
    before the write leaves the file as it was, byte for byte."""
    current = store.load()
    updated = apply_diff(current, diff, catalogs, **choices)
    store.backup()
    store.save(updated)
    return updated

"""Every sheet of the workbook, in order: the built-in declarations of each step and the sheets
other modules add. The exporter writes them; the importer reads the register sheets back."""

from __future__ import annotations

import functools

from . import sheets_controls, sheets_programme, sheets_risks, sheets_scope
from .sheets import FULL, Sheet

# -- the declarations of the workbook -----------------------------------------------------------
@functools.lru_cache(maxsize=1)
def builtin_sheets() -> tuple[Sheet, ...]:
    """Every built-in sheet, in the order of the steps (the Cover comes first, Lists last)."""
    return (*sheets_scope.SHEETS, *sheets_risks.SHEETS, *sheets_controls.SHEETS,
            *sheets_programme.SHEETS)


EXTRA_SHEETS: list[Sheet] = []
"""Sheets other modules add (see :func:`add_sheets`), written after the built-in ones."""


def add_sheets(*sheets: Sheet) -> None:
    """Add sheets to every workbook (a module such as the vendors register calls this when
    imported). A sheet with a name already declared replaces the earlier declaration."""
    for sheet in sheets:
        EXTRA_SHEETS[:] = [s for s in EXTRA_SHEETS if s.name != sheet.name]
        EXTRA_SHEETS.append(sheet)


def all_sheets(workbook: str = FULL) -> list[Sheet]:
    return [s for s in (*builtin_sheets(), *EXTRA_SHEETS) if workbook in s.workbooks]


def register_sheets() -> dict[str, Sheet]:
    """Sheet name -> declaration, for the sheets that show a register (the importable ones)."""
    return {s.name: s for s in all_sheets() if s.register is not None and s.table}

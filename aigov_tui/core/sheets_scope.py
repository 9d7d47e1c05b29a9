"""Steps 1 and 2: the Scope sheet, the AI systems register and the AI asset register."""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any, Iterable

from .model import Assessment
from .registers import AI_SYSTEMS, ASSETS, PROFILE
from .schema import Kind
from .sheets import Build, Layout, Sheet, register_columns, register_rows
from .xlsx import WorkbookWriter

SCOPE_SHEET = "Scope"


def scope_pairs(assessment: Assessment) -> Iterable[tuple[str, Any]]:
    for f in PROFILE.fields:
        value = assessment.profile.get(f.key)
        if f.kind is Kind.DATE and isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            try:  # a real date cell, as on the Cover; a malformed draft date stays text
                value = _dt.date.fromisoformat(value)
            except ValueError:
                pass
        yield f.export_header, value
    systems = register_rows(assessment, AI_SYSTEMS)
    for label, decision in (("AI systems in scope", "Yes"), ("AI systems partly in scope", "Partial"),
                            ("AI systems excluded", "No")):
        yield label, ", ".join(str(r.get("id", "")) for r in systems if r.get("in_scope") == decision)
    yield "Scope addendum (AI systems)", assessment.scope.get("addendum")


def _write_scope(writer: WorkbookWriter, build: Build) -> None:
    writer.add_pairs(SCOPE_SHEET, scope_pairs(build.assessment))


SHEETS = (
    Sheet(SCOPE_SHEET, "Organisation profile, current ISMS scope and the AI scope addendum "
                       "(Step 1).", write=_write_scope),
    Sheet(AI_SYSTEMS.sheet, "Register of AI systems with role, provenance, EU AI Act class and "
                            "scope decision.",
          register=AI_SYSTEMS, columns=lambda b: register_columns(AI_SYSTEMS),
          rows=lambda b: register_rows(b.assessment, AI_SYSTEMS), layout=Layout(core=8)),
    Sheet(ASSETS.sheet, "Inventory of AI assets (A.5.9): type, linked AI systems, owner and "
                        "custodian, hosting, supplier, classification and C/I/A ratings (Step 2).",
          register=ASSETS, columns=lambda b: register_columns(ASSETS),
          rows=lambda b: register_rows(b.assessment, ASSETS), layout=Layout(core=5)),
)

"""Pilot tests of Steps 5–7: documents, training, internal audit — by keys, checking the file."""

from __future__ import annotations

from pathlib import Path

from aigov_tui.core.model import add_record
from aigov_tui.core.registers import PEOPLE
from aigov_tui.core.store import Store
from aigov_tui.screens.step5_documents import DocumentsScreen
from aigov_tui.screens.step6_training import TrainingScreen
from aigov_tui.screens.step7_audit import AuditScreen
from aigov_tui.widgets.dialogs import PickDialog, PromptDialog, RecordDialog

from .conftest import build_risk_demo, catalogs, test_app
from .tui_helpers import choose, settle, stored_records, type_text

SIZE = (80, 24)


async def test_documents_from_the_catalog_and_an_update_by_keys(risk_file: Path) -> None:
    app = test_app(risk_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        assert isinstance(app.screen, DocumentsScreen)
        await pilot.press("p")
        await settle(pilot, 3)
        assert len(stored_records(risk_file, "documents")) == len(catalogs().documents)
        await pilot.press("down")                      # DOC-002 Information security policy
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, RecordDialog)
        form = app.screen
        form.query_one("#field-status").focus()
        await choose(pilot, "Appr")                    # Approved: needs approver and date
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Approved by is required when Status is Approved or Published" in str(
            form.query_one("#error-approved_by").render())
        form.query_one("#field-approved_by").focus()
        await type_text(pilot, "CEO")
        await pilot.press("tab")
        await type_text(pilot, "2026-11-30")
        await pilot.press("ctrl+s")
        await settle(pilot, 3)
        assert isinstance(app.screen, DocumentsScreen)
    doc = stored_records(risk_file, "documents")[1]
    assert (doc["status"], doc["approved_by"], doc["approved_on"]) == ("Approved", "CEO", "2026-11-30")
    assert doc["ai_changes"].startswith("[ ] ")


async def test_assign_training_to_a_team_by_role(workdir: Path) -> None:
    a = build_risk_demo()
    cats = catalogs()
    for name, role, team in (("Ann", "security_analyst", "SOC"), ("Sam", "soc_analyst", "SOC"),
                             ("Bob", "ml_engineer", "ML")):
        add_record(a, PEOPLE, {"name": name, "role": role, "team": team}, cats)
    path = Path("t.aigov.json")
    Store.create(path, a).close()
    app = test_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)
        assert isinstance(app.screen, TrainingScreen)
        await pilot.press("p")                         # modules from the catalog
        await settle(pilot, 3)
        await pilot.press("n")                         # assign TRN-001 (AI threats for analysts)
        await settle(pilot)
        assert isinstance(app.screen, PickDialog)
        await pilot.press("ctrl+s")                    # the audience, ticked for us
        await settle(pilot)
        assert isinstance(app.screen, PromptDialog)
        app.screen.query_one("#prompt-due").value = "2026-11-01"   # already past: overdue
        await pilot.press("enter")
        await settle(pilot, 3)
        rates = str(app.screen.query_one("#rates").render())
        assert "TRN-001 0/2 (2 overdue)" in rates and "SOC 0/2 (2 overdue)" in rates
    records = stored_records(path, "assignments")
    assert sorted(r["person"] for r in records) == ["PER-001", "PER-002"]
    assert all(r["module"] == "TRN-001" and r["due"] == "2026-11-01" for r in records)


async def test_audit_checklist_and_a_finding(risk_file: Path) -> None:
    app = test_app(risk_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("7")
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen)
        await pilot.press("a")
        await settle(pilot)
        await type_text(pilot, "AI audit")             # title
        await pilot.press("tab", "space", "down", "space", "tab")   # SYS-001 and SYS-002
        await type_text(pilot, "A.5.19")               # controls in scope
        await pilot.press("tab", "tab", "tab")         # clauses, criteria
        await type_text(pilot, "Ann")                  # lead auditor
        await pilot.press("tab", "tab")                # team
        await type_text(pilot, "2027-01-10")
        await pilot.press("tab", "tab")                # end
        await choose(pilot, "Plan")
        await pilot.press("ctrl+s")
        await settle(pilot, 3)
        assert isinstance(app.screen, AuditScreen)
        await pilot.press("k")                         # generate its checklist
        await settle(pilot, 3)
        items = stored_records(risk_file, "checklist")
        assert items and all(i["audit"] == "AUD-001" and i["control"] == "A.5.19" for i in items)
        await pilot.press("e")                         # record a result on the first item
        await settle(pilot)
        app.screen.query_one("#field-result").focus()
        await choose(pilot, "Minor")
        app.screen.query_one("#field-evidence_seen").focus()
        await type_text(pilot, "No AI clauses")
        await pilot.press("ctrl+s")
        await settle(pilot, 3)
        await pilot.press("r")                         # raise a finding from it
        await settle(pilot)
        assert isinstance(app.screen, RecordDialog)
        app.screen.query_one("#field-statement").focus()
        await type_text(pilot, "Contracts lack AI terms")
        await pilot.press("ctrl+s")
        await settle(pilot, 3)
        assert isinstance(app.screen, AuditScreen)
    finding = stored_records(risk_file, "findings")[0]
    assert finding["grade"] == "Minor nonconformity"
    assert finding["requirement"] == "A.5.19"
    assert finding["objective_evidence"] == "No AI clauses"
    assert finding["item"] == items[0]["id"]

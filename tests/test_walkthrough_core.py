"""Defects found on the issue #12 walk-through, core side: each test failed before its fix."""

from __future__ import annotations

import datetime as dt

import pytest

from aigov_tui.core import programme, soa
from aigov_tui.core.model import RecordError, add_record, update_record, validate_assessment
from aigov_tui.core.registers import EVIDENCE, FINDINGS, PEOPLE
from tests.conftest import TODAY


def add_evidence(a, cats, **values) -> dict:
    record = {"title": "Access review Q3", "type": "Record", "location": "https://wiki.example/ar-q3"}
    record.update(values)
    return add_record(a, EVIDENCE, record, cats)


# --- evidence linked from the evidence register counts in the SoA ---------------------------------
def test_evidence_linked_from_the_register_shows_in_the_soa_and_closes_the_gap(a, cats) -> None:
    soa.update_row(a, cats, "A.5.15", {"status": "Implemented"})
    assert "Implemented without evidence" in {g.kind for g in soa.gaps(a, cats) if g.ref == "A.5.15"}
    ev = add_evidence(a, cats, controls=["A.5.15"])
    row = soa.row(a, cats, "A.5.15")
    assert row["evidence_refs"] == [ev["id"]]
    assert not [g for g in soa.gaps(a, cats) if g.ref == "A.5.15"]


def test_evidence_linked_from_the_soa_shows_in_the_evidence_register(a, cats) -> None:
    ev = add_evidence(a, cats)
    soa.update_row(a, cats, "A.5.15", {"evidence_refs": [ev["id"]]})
    assert a.find(EVIDENCE, ev["id"])["controls"] == ["A.5.15"]
    # unlinking on either side unlinks it on both: the link is stored once
    soa.update_row(a, cats, "A.5.15", {"evidence_refs": []})
    assert a.find(EVIDENCE, ev["id"])["controls"] == []
    assert soa.row(a, cats, "A.5.15")["evidence_refs"] == []
    update_record(a, EVIDENCE, ev["id"], {**a.find(EVIDENCE, ev["id"]), "controls": ["A.5.15", "A.8.24"]}, cats)
    update_record(a, EVIDENCE, ev["id"], {**a.find(EVIDENCE, ev["id"]), "controls": ["A.8.24"]}, cats)
    assert soa.row(a, cats, "A.5.15")["evidence_refs"] == []
    assert soa.row(a, cats, "A.8.24")["evidence_refs"] == [ev["id"]]


def test_other_soa_edits_leave_the_evidence_links_alone(a, cats) -> None:
    ev = add_evidence(a, cats, controls=["A.5.15"])
    soa.update_row(a, cats, "A.5.15", {"owner": "CISO"})
    soa.bulk_decide(a, cats, ["A.5.15", "A.5.16"], "Yes", "Needed for access to models.", "Planned")
    assert a.find(EVIDENCE, ev["id"])["controls"] == ["A.5.15"]
    assert soa.row(a, cats, "A.5.16")["evidence_refs"] == []


# --- an excluded control cannot stay Implemented unnoticed -----------------------------------------
def test_excluded_but_implemented_is_a_problem_and_a_gap(a, cats) -> None:
    soa.update_row(a, cats, "A.7.4", {"applicable": "Yes", "justification_inclusion": "Offices.",
                                      "status": "Implemented"})
    with pytest.raises(RecordError) as exc:
        soa.update_row(a, cats, "A.7.4", {"applicable": "No", "justification_exclusion": "Cloud only."})
    assert {p.field for p in exc.value.problems} == {"status"}
    assert "excluded" in str(exc.value) and "Implemented" in str(exc.value)
    # a file written by hand or an older version: validation and the gap list both say it
    a.find("soa", "A.7.4").update(applicable="No", justification_exclusion="Cloud only.")
    assert any(p.record_id == "A.7.4" and p.field == "status" for p in validate_assessment(a, cats))
    assert "Excluded but implemented" in {g.kind for g in soa.gaps(a, cats) if g.ref == "A.7.4"}

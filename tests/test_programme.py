"""Steps 5–7 core: the document register, training and its assignment, the audit programme with
its independence check, checklist generation, findings and the surveillance plan.

Every date-dependent result is computed with a fixed ``today``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from aigov_tui.core import programme, soa
from aigov_tui.core.model import (
    Assessment, RecordError, add_record, record_problems, Context, update_record,
)
from aigov_tui.core.registers import (
    ASSIGNMENTS, AUDITS, CHECKLIST, CUSTOM_CONTROLS, DOCUMENTS, EVIDENCE, FINDINGS, PEOPLE,
    TRAINING,
)

TODAY = dt.date(2026, 11, 30)



def fields_of(exc: pytest.ExceptionInfo[RecordError]) -> dict[str, str]:
    return {p.field: p.message for p in exc.value.problems}


def clean(text: object) -> str:
    return " ".join(str(text).split())


# --- Step 5: documents ---------------------------------------------------------------------------
def doc_by_ref(a: Assessment, ref: str) -> dict:
    return next(d for d in a.records(DOCUMENTS) if d.get("catalog_ref") == ref)


def test_prefill_documents_adds_one_per_catalog_entry(a, cats):
    added = programme.prefill_documents(a, cats, owner="ISMS manager")
    assert len(cats.documents) == 23
    assert len(added) == 23 == len(a.records(DOCUMENTS))
    assert added == [f"DOC-{i:03d}" for i in range(1, 24)]
    assert {d["catalog_ref"] for d in a.records(DOCUMENTS)} == set(cats.documents)
    for ref, entry in cats.documents.items():
        d = doc_by_ref(a, ref)
        assert d["title"] == entry["title"]
        assert d["owner"] == "ISMS manager"
        assert d["status"] == "Not started"
        expected_refs = list(entry.get("controls_27001") or []) + [
            f"42001 {c}" for c in entry.get("controls_42001") or []]
        assert d["reference"] == ", ".join(expected_refs)
        lines = d["ai_changes"].splitlines()
        assert lines == [f"[ ] {clean(item)}" for item in entry["ai_changes"]]
        # with an owner, a prefilled document is a valid record
        assert record_problems(DOCUMENTS, d, Context(a, cats)) == []
    # spot check against the catalog text itself
    assert doc_by_ref(a, "ISD-01")["reference"] == "4.1, 4.2, 4.3, 4.4, 42001 A.4.2"
    assert doc_by_ref(a, "ISD-06")["reference"] == "6.1.3"


def test_prefill_documents_twice_adds_none(a, cats):
    programme.prefill_documents(a, cats)
    assert programme.prefill_documents(a, cats) == []
    assert len(a.records(DOCUMENTS)) == 23


def test_prefill_documents_only_adds_missing_entries(a, cats):
    programme.prefill_documents(a, cats)
    a.records(DOCUMENTS)[:] = [d for d in a.records(DOCUMENTS) if d["catalog_ref"] != "ISD-03"]
    added = programme.prefill_documents(a, cats)
    assert len(added) == 1
    assert a.find(DOCUMENTS, added[0])["catalog_ref"] == "ISD-03"
    assert added == ["DOC-024"]  # IDs are never reused


def test_prefill_without_owner_is_kept_but_reported(a, cats):
    programme.prefill_documents(a, cats)
    d = a.records(DOCUMENTS)[0]
    assert d["owner"] in ("", None)
    assert "owner" in {p.field for p in record_problems(DOCUMENTS, d, Context(a, cats))}


def test_checklist_text():
    assert programme.checklist_text(["Add AI\n  assets", "Name owners"]) == \
        "[ ] Add AI assets\n[ ] Name owners"
    assert programme.checklist_text([]) == ""


@pytest.mark.parametrize("text, expected", [
    ("[x] one\n[ ] two\n[X] three", (2, 3)),
    ("[ ] one\n[ ] two", (0, 2)),
    ("  [x] one  \n\n   \n[ ] two\n", (1, 2)),  # blank lines are not items
    ("write the AI policy\nupdate the SoA", (0, 2)),  # no brackets: every line is an item
    ("", (0, 0)),
    (None, (0, 0)),
])
def test_checklist_progress(text, expected):
    assert programme.checklist_progress(text) == expected


def test_document_rows_show_done_over_total(a, cats):
    programme.prefill_documents(a, cats, owner="ISMS manager")
    d = doc_by_ref(a, "ISD-01")
    lines = d["ai_changes"].splitlines()
    assert len(lines) == 4
    lines[0] = "[x]" + lines[0][3:]
    lines[2] = "[X]" + lines[2][3:]
    update_record(a, DOCUMENTS, d["id"], {**d, "ai_changes": "\n".join(lines)}, cats)
    custom = add_record(a, DOCUMENTS, {"title": "Local AI procedure", "owner": "CISO",
                                       "status": "Drafting"}, cats)
    rows = {r["id"]: r for r in programme.document_rows(a)}
    assert rows[d["id"]]["ai_progress"] == "2/4"
    assert rows[doc_by_ref(a, "ISD-02")["id"]]["ai_progress"] == "0/4"
    assert rows[custom["id"]]["ai_progress"] == ""
    assert not a.find(DOCUMENTS, d["id"]).get("ai_progress")  # derived, not stored


@pytest.mark.parametrize("status", ["Approved", "Published"])
def test_approved_document_needs_approver_and_date(a, cats, status):
    values = {"title": "AI policy", "owner": "CISO", "status": status}
    with pytest.raises(RecordError) as exc:
        add_record(a, DOCUMENTS, values, cats)
    problems = fields_of(exc)
    assert set(problems) == {"approved_by", "approved_on"}
    assert "Approved by" in problems["approved_by"] and status in problems["approved_by"]
    assert "Approved on" in problems["approved_on"]
    with pytest.raises(RecordError) as exc:
        add_record(a, DOCUMENTS, {**values, "approved_by": "CEO"}, cats)
    assert set(fields_of(exc)) == {"approved_on"}
    record = add_record(a, DOCUMENTS, {**values, "approved_by": "CEO", "approved_on": "2026-11-02"},
                        cats)
    assert record["approved_on"] == "2026-11-02"


@pytest.mark.parametrize("status", ["Not started", "Drafting", "In review"])
def test_unapproved_document_needs_no_approval(a, cats, status):
    add_record(a, DOCUMENTS, {"title": "AI policy", "owner": "CISO", "status": status}, cats)


def test_document_status_must_be_known(a, cats):
    with pytest.raises(RecordError) as exc:
        add_record(a, DOCUMENTS, {"title": "AI policy", "owner": "CISO", "status": "Done"}, cats)
    assert "status" in fields_of(exc)


def test_document_linked_evidence_must_exist(a, cats):
    values = {"title": "AI policy", "owner": "CISO", "status": "Drafting", "evidence": ["EV-009"]}
    with pytest.raises(RecordError) as exc:
        add_record(a, DOCUMENTS, values, cats)
    assert "EV-009" in fields_of(exc)["evidence"]
    ev = add_record(a, EVIDENCE, {"title": "Signed AI policy", "type": "Policy",
                                  "location": "https://intranet.example/ai-policy"}, cats)
    record = add_record(a, DOCUMENTS, {**values, "evidence": [ev["id"]]}, cats)
    assert record["evidence"] == [ev["id"]]


def test_documents_are_policy_references_in_the_soa(a, cats):
    programme.prefill_documents(a, cats, owner="ISMS manager")
    row = soa.update_row(a, cats, "A.5.1", {"applicable": "Yes", "justification_inclusion": "Policy.",
                                            "policy_refs": ["DOC-002", "DOC-003"]})
    assert row["policy_refs"] == ["DOC-002", "DOC-003"]
    from aigov_tui.core.model import ref_options
    options = ref_options("documents", a, cats)
    assert set(options) == {f"DOC-{i:03d}" for i in range(1, 24)}
    assert options["DOC-003"] == f"DOC-003 {doc_by_ref(a, 'ISD-03')['title']}"


# --- Step 6: training ----------------------------------------------------------------------------
def module_by_ref(a: Assessment, ref: str) -> dict:
    return next(m for m in a.records(TRAINING) if m.get("catalog_ref") == ref)


def test_prefill_training_adds_catalog_modules(a, cats):
    added = programme.prefill_training(a, cats)
    assert len(cats.training_modules) == 13
    assert len(added) == 13 == len(a.records(TRAINING))
    for ref, entry in cats.training_modules.items():
        m = module_by_ref(a, ref)
        assert m["title"] == entry["title"]
        assert m["audience"] == list(entry["audience"])
        assert set(m["audience"]) <= set(cats.roles)
        assert m["duration_hours"] == entry["duration_hours"]
        assert m["frequency"] == programme.FREQUENCY_NAMES[entry["frequency"]]
        assert m["topics"].splitlines() == [f"- {t}" for t in entry["topics"]]
        assert record_problems(TRAINING, m, Context(a, cats)) == []
    assert module_by_ref(a, "TM-01")["audience"] == ["security_analyst", "soc_analyst"]
    assert module_by_ref(a, "TM-01")["frequency"] == "Annual"
    assert module_by_ref(a, "TM-04")["frequency"] == "Twice a year"  # "biannual" in the catalog
    assert module_by_ref(a, "TM-09")["frequency"] == "Annual"  # recurs: once was wrong
    assert module_by_ref(a, "TM-10")["frequency"] == "On change"
    assert module_by_ref(a, "TM-01")["controls"] == "A.6.3, A.5.7, 7.2, 42001 A.4.6"
    assert programme.prefill_training(a, cats) == []
    assert len(a.records(TRAINING)) == 13


def test_training_audience_must_be_a_catalog_role(a, cats):
    values = {"title": "Deepfake awareness", "audience": ["all_staff", "wizard"], "frequency": "Annual"}
    with pytest.raises(RecordError) as exc:
        add_record(a, TRAINING, values, cats)
    problems = fields_of(exc)
    assert set(problems) == {"audience"}
    assert "wizard" in problems["audience"] and "all_staff" not in problems["audience"]
    # a custom module with catalog roles is fine
    custom = add_record(a, TRAINING, {**values, "audience": ["all_staff"]}, cats)
    assert custom["id"] == "TRN-001"
    # without the catalogs the roles cannot be checked (and are not rejected)
    add_record(a, TRAINING, values)


def test_training_frequency_must_be_known(a, cats):
    with pytest.raises(RecordError) as exc:
        add_record(a, TRAINING, {"title": "X", "frequency": "biannual"}, cats)
    assert "frequency" in fields_of(exc)


def test_person_needs_a_known_role(a, cats):
    with pytest.raises(RecordError) as exc:
        add_record(a, PEOPLE, {"name": "Ana", "role": "wizard", "team": "SecOps"}, cats)
    assert "wizard" in fields_of(exc)["role"]
    with pytest.raises(RecordError) as exc:
        add_record(a, PEOPLE, {"name": "Ana", "team": "SecOps"}, cats)
    assert "role" in fields_of(exc)
    assert add_record(a, PEOPLE, {"name": "Ana", "role": "security_analyst"}, cats)["id"] == "PER-001"


STAFF = [  # name, role, team
    ("Ana", "security_analyst", "SecOps"),
    ("Ben", "soc_analyst", "SecOps"),
    ("Cy", "developer", "Platform"),
    ("Di", "ml_engineer", "Platform"),
    ("Eve", "security_analyst", "Risk"),
]


@pytest.fixture
def staffed(a, cats) -> Assessment:
    programme.prefill_training(a, cats)
    for name, role, team in STAFF:
        add_record(a, PEOPLE, {"name": name, "role": role, "team": team}, cats)
    return a


def pid(a: Assessment, name: str) -> str:
    return next(p["id"] for p in a.records(PEOPLE) if p["name"] == name)


def assigned(a: Assessment, module: str) -> set[str]:
    people = {p["id"]: p["name"] for p in a.records(PEOPLE)}
    return {people[x["person"]] for x in a.records(ASSIGNMENTS) if x["module"] == module}


def test_assign_by_role_reaches_exactly_the_audience(staffed, cats):
    a = staffed
    tm01 = module_by_ref(a, "TM-01")["id"]  # security_analyst, soc_analyst
    added = programme.assign(a, cats, tm01, "2027-01-31")
    assert len(added) == 3
    assert assigned(a, tm01) == {"Ana", "Ben", "Eve"}
    for rid in added:
        rec = a.find(ASSIGNMENTS, rid)
        assert rec["module"] == tm01 and rec["due"] == "2027-01-31" and not rec.get("completed")
    tm02 = module_by_ref(a, "TM-02")["id"]  # developer, ml_engineer
    programme.assign(a, cats, tm02, "2027-01-31")
    assert assigned(a, tm02) == {"Cy", "Di"}


def test_assign_to_other_roles(staffed, cats):
    a = staffed
    tm07 = module_by_ref(a, "TM-07")["id"]  # all_staff
    programme.assign(a, cats, tm07, "2027-01-31", roles=["developer"])
    assert assigned(a, tm07) == {"Cy"}
    # its own audience, "All staff", is everyone whatever their role (issue #12)
    programme.assign(a, cats, tm07, "2027-01-31")
    assert assigned(a, tm07) == {p["name"] for p in a.records(PEOPLE)}


def test_assign_by_person(staffed, cats):
    a = staffed
    tm05 = module_by_ref(a, "TM-05")["id"]  # internal_auditor: not in anyone's role
    added = programme.assign(a, cats, tm05, "2027-01-31", people=[pid(a, "Cy"), pid(a, "Eve")])
    assert len(added) == 2
    assert assigned(a, tm05) == {"Cy", "Eve"}


def test_assign_by_role_and_person_together(staffed, cats):
    a = staffed
    tm05 = module_by_ref(a, "TM-05")["id"]
    programme.assign(a, cats, tm05, "2027-01-31", roles=["soc_analyst"], people=[pid(a, "Di")])
    assert assigned(a, tm05) == {"Ben", "Di"}


def test_assign_skips_open_assignments_only(staffed, cats):
    a = staffed
    tm01 = module_by_ref(a, "TM-01")["id"]
    first = programme.assign(a, cats, tm01, "2027-01-31")
    assert programme.assign(a, cats, tm01, "2027-02-28") == []
    assert programme.assign(a, cats, tm01, "2027-02-28", people=[pid(a, "Ana")]) == []
    ana = next(r for r in first if a.find(ASSIGNMENTS, r)["person"] == pid(a, "Ana"))
    rec = a.find(ASSIGNMENTS, ana)
    update_record(a, ASSIGNMENTS, ana, {**rec, "completed": "2026-11-20", "result": "Passed"}, cats)
    again = programme.assign(a, cats, tm01, "2027-11-30")
    assert len(again) == 1 and a.find(ASSIGNMENTS, again[0])["person"] == pid(a, "Ana")
    assert len(a.records(ASSIGNMENTS)) == 4


def test_assign_unknown_module(staffed, cats):
    with pytest.raises(KeyError, match="TRN-099"):
        programme.assign(staffed, cats, "TRN-099", "2027-01-31")
    assert staffed.records(ASSIGNMENTS) == []


def test_assignment_needs_a_known_person_and_module(staffed, cats):
    with pytest.raises(RecordError) as exc:
        add_record(staffed, ASSIGNMENTS, {"person": "PER-099", "module": "TRN-001",
                                          "due": "2027-01-31"}, cats)
    assert "PER-099" in fields_of(exc)["person"]
    with pytest.raises(RecordError) as exc:
        add_record(staffed, ASSIGNMENTS, {"person": "PER-001", "module": "TRN-001"}, cats)
    assert "due" in fields_of(exc)


@pytest.mark.parametrize("record, state", [
    ({"due": "2026-11-29"}, "Overdue"),
    ({"due": "2026-11-30"}, "Due"),  # due today is not yet overdue
    ({"due": "2026-12-01"}, "Due"),
    ({"due": "2026-01-01", "completed": "2026-02-01"}, "Done"),
    ({"due": "2026-12-31", "completed": "2026-11-01"}, "Done"),
    ({"due": None}, "Due"),
    ({"due": "not a date"}, "Due"),
])
def test_assignment_state(record, state):
    assert programme.assignment_state(record, TODAY) == state


def test_assignment_rows_and_completion_rates(staffed, cats):
    a = staffed
    tm01 = module_by_ref(a, "TM-01")["id"]  # Ana, Ben (SecOps), Eve (Risk)
    tm02 = module_by_ref(a, "TM-02")["id"]  # Cy, Di (Platform)
    programme.assign(a, cats, tm01, "2026-11-15")  # in the past: overdue unless done
    programme.assign(a, cats, tm02, "2026-12-31")
    for rec in a.records(ASSIGNMENTS):
        if rec["person"] in (pid(a, "Ana"), pid(a, "Cy")):
            update_record(a, ASSIGNMENTS, rec["id"],
                          {**rec, "completed": "2026-11-10", "result": "Passed"}, cats)
    states = {(r["person"], r["module"]): r["state"] for r in programme.assignment_rows(a, TODAY)}
    assert states == {
        (pid(a, "Ana"), tm01): "Done", (pid(a, "Ben"), tm01): "Overdue",
        (pid(a, "Eve"), tm01): "Overdue", (pid(a, "Cy"), tm02): "Done",
        (pid(a, "Di"), tm02): "Due",
    }
    rates = programme.completion_rates(a, TODAY)
    assert rates["module"] == {tm01: (1, 3, 2), tm02: (1, 2, 0)}
    assert rates["team"] == {"SecOps": (1, 2, 1), "Risk": (0, 1, 1), "Platform": (1, 2, 0)}
    # a year earlier nothing was overdue yet
    assert programme.completion_rates(a, dt.date(2025, 11, 30))["team"]["SecOps"] == (1, 2, 0)


def test_completion_rates_person_without_team(staffed, cats):
    a = staffed
    p = add_record(a, PEOPLE, {"name": "Fay", "role": "executive"}, cats)
    tm06 = module_by_ref(a, "TM-06")["id"]
    programme.assign(a, cats, tm06, "2026-10-01", people=[p["id"]])
    assert programme.completion_rates(a, TODAY)["team"] == {"(no team)": (0, 1, 1)}


# --- Step 7: audits and independence -------------------------------------------------------------
def audit_values(**kw) -> dict:
    values = {"title": "AI systems internal audit", "lead": "Max Miller", "team": "Anna Berg",
              "start": "2026-12-07", "end": "2026-12-09", "status": "Planned",
              "criteria": "ISO/IEC 27001:2022, ISO/IEC 42001:2023",
              "scope_systems": ["SYS-001", "SYS-002"], "scope_controls": ["A.5.19", "42001:A.10.3"]}
    values.update(kw)
    return values


def own(a: Assessment, cats, key: str, owner: str) -> None:
    soa.update_row(a, cats, key, {"applicable": "Yes", "justification_inclusion": "Needed for AI.",
                                  "owner": owner})


@pytest.mark.parametrize("who", [
    {"team": "Anna Berg, Zoe"},
    {"team": "zoe"},
    {"team": "Anna Berg,  ZOE ,Ken"},
    {"team": "Anna Berg; Zoe"},
    {"lead": "Zoe", "team": ""},
    {"lead": "ZOE", "team": "Anna Berg"},
])
def test_auditor_must_not_audit_a_control_they_own(a, cats, who):
    own(a, cats, "A.5.19", "Zoe")
    with pytest.raises(RecordError) as exc:
        add_record(a, AUDITS, audit_values(**who), cats)
    problems = exc.value.problems
    assert [p.field for p in problems] == ["team"]
    assert "Zoe" in problems[0].message and "A.5.19" in problems[0].message
    assert a.records(AUDITS) == []


def test_independence_names_every_owned_control(a, cats):
    own(a, cats, "A.5.19", "Zoe")
    own(a, cats, "42001:A.10.3", "zoe")
    own(a, cats, "A.8.24", "Zoe")  # owned but not in scope
    with pytest.raises(RecordError) as exc:
        add_record(a, AUDITS, audit_values(team="Zoe"), cats)
    messages = " ".join(p.message for p in exc.value.problems)
    assert len(exc.value.problems) == 2
    assert "A.5.19" in messages and "42001:A.10.3" in messages and "A.8.24" not in messages


def test_independence_allows_other_auditors_and_other_controls(a, cats):
    own(a, cats, "A.5.19", "Zoe")
    add_record(a, AUDITS, audit_values(lead="Max Miller", team="Anna Berg"), cats)
    add_record(a, AUDITS, audit_values(team="Zoe", scope_controls=["A.8.24"]), cats)
    add_record(a, AUDITS, audit_values(team="Zoey Smith"), cats)  # a different name
    assert len(a.records(AUDITS)) == 3


def test_independence_owner_with_several_names(a, cats):
    own(a, cats, "A.5.19", "Max Miller, Zoe")
    with pytest.raises(RecordError) as exc:
        add_record(a, AUDITS, audit_values(team="Zoe"), cats)
    assert "A.5.19" in exc.value.problems[0].message


def test_independence_not_checked_without_catalogs(a, cats):
    own(a, cats, "A.5.19", "Zoe")
    record = add_record(a, AUDITS, audit_values(team="Zoe"))
    assert record["id"] == "AUD-001"
    assert programme.independence_problems(a, None, record) == []
    assert len(programme.independence_problems(a, cats, record)) == 1


def test_independence_checked_on_update(a, cats):
    own(a, cats, "A.5.19", "Zoe")
    record = add_record(a, AUDITS, audit_values(), cats)
    with pytest.raises(RecordError) as exc:
        update_record(a, AUDITS, record["id"], {**record, "lead": "zoe"}, cats)
    assert exc.value.problems[0].field == "team"
    assert a.find(AUDITS, record["id"])["lead"] == "Max Miller"


def test_independence_with_the_default_scope(a, cats):
    """Without explicit controls the audit samples every applicable AI-relevant control."""
    own(a, cats, "A.5.15", "Zoe")  # applicable, high relevance
    with pytest.raises(RecordError) as exc:
        add_record(a, AUDITS, audit_values(team="Zoe", scope_controls=[]), cats)
    assert "A.5.15" in exc.value.problems[0].message


def test_audit_controls_explicit_scope(a, cats):
    audit = audit_values(scope_controls=["A.7.4", "A.5.19"])
    assert programme.audit_controls(a, cats, audit) == ["A.7.4", "A.5.19"]


def test_audit_controls_default_scope(a, cats):
    soa.update_row(a, cats, "A.7.4", {"applicable": "Yes", "justification_inclusion": "Offices."})
    soa.update_row(a, cats, "A.8.24", {"applicable": "No", "justification_exclusion": "None used."})
    soa.update_row(a, cats, "A.5.1", {"applicable": "Yes", "justification_inclusion": "Policy."})
    rows = soa.soa_rows(a, cats)
    expected = [r["id"] for r in rows
                if r["applicable"] == "Yes" and r["ai_relevance"] in ("high", "medium")]
    got = programme.audit_controls(a, cats, audit_values(scope_controls=[]))
    assert got == expected
    assert "A.5.1" in got and "A.5.19" in got and "42001:A.10.3" in got
    assert cats.iso27001["A.7.4"]["ai_relevance"] == "low" and "A.7.4" not in got
    assert "A.8.24" not in got  # excluded by the user
    assert not any(r["applicable"] == "Undecided" and r["id"] in got for r in rows)


def test_audit_scope_controls_must_be_in_the_soa(a, cats):
    with pytest.raises(RecordError) as exc:
        add_record(a, AUDITS, audit_values(scope_controls=["A.99.1"]), cats)
    assert "A.99.1" in fields_of(exc)["scope_controls"]


# --- checklist generation ------------------------------------------------------------------------
def questions_for(cats, key: str) -> list[str]:
    if key.startswith("42001:"):
        field, plain = "controls_42001", key.split(":", 1)[1]
    else:
        field, plain = "controls_27001", key
    return [clean(q["question"]) for q in cats.checklist.values() if plain in (q.get(field) or [])]


def items_of(a: Assessment, audit_id: str) -> list[dict]:
    return [c for c in a.records(CHECKLIST) if c["audit"] == audit_id]


def test_generate_checklist_from_catalog_questions(a, cats):
    audit = add_record(a, AUDITS, audit_values(scope_clauses="9.2.1, 6.1.2"), cats)
    added = programme.generate_checklist(a, cats, audit["id"])
    items = items_of(a, audit["id"])
    assert [i["id"] for i in items] == added
    by_control: dict[str, list[str]] = {}
    for i in items:
        by_control.setdefault(i["control"], []).append(i["question"])
        assert i["result"] == "Not audited"
        assert i["evidence_expected"]
        assert record_problems(CHECKLIST, i, Context(a, cats)) == []
    assert set(by_control) == {"A.5.19", "42001:A.10.3", "9.2.1", "6.1.2"}
    for key in by_control:
        expected = questions_for(cats, key)
        assert expected, key  # the catalog has questions for each of these
        assert by_control[key] == expected
    assert len(by_control["6.1.2"]) == 3 and len(by_control["9.2.1"]) == 1
    assert len(by_control["42001:A.10.3"]) > len(by_control["A.5.19"])
    assert len(added) == sum(len(questions_for(cats, k)) for k in by_control)


def test_generate_checklist_evidence_expected_from_catalog(a, cats):
    audit = add_record(a, AUDITS, audit_values(scope_controls=["A.8.24"]), cats)
    programme.generate_checklist(a, cats, audit["id"])
    [item] = items_of(a, audit["id"])
    [q] = [q for q in cats.checklist.values() if "A.8.24" in (q.get("controls_27001") or [])]
    assert item["question"] == clean(q["question"])
    assert item["evidence_expected"] == clean(q["evidence_expected"])


def test_generate_checklist_generic_question(a, cats):
    assert questions_for(cats, "A.7.4") == []
    audit = add_record(a, AUDITS, audit_values(scope_controls=["A.7.4"]), cats)
    added = programme.generate_checklist(a, cats, audit["id"])
    assert len(added) == 1
    item = a.find(CHECKLIST, added[0])
    assert item["control"] == "A.7.4"
    assert "A.7.4" in item["question"] and cats.iso27001["A.7.4"]["title"] in item["question"]
    assert item["result"] == "Not audited" and item["evidence_expected"]


def test_generic_question_uses_the_right_framework_title(a, cats):
    """A 42001 control without a question must not borrow the title of the 27001 control with the
    same number (42001 A.5.2 is not 27001 A.5.2)."""
    trimmed = dataclasses.replace(cats, checklist={
        k: q for k, q in cats.checklist.items() if "A.5.2" not in (q.get("controls_42001") or [])})
    audit = add_record(a, AUDITS, audit_values(scope_controls=["42001:A.5.2"]), cats)
    [iid] = programme.generate_checklist(a, trimmed, audit["id"])
    question = a.find(CHECKLIST, iid)["question"]
    assert cats.iso42001["A.5.2"]["title"] in question
    assert cats.iso27001["A.5.2"]["title"] not in question


def test_generic_question_for_a_custom_control(a, cats):
    custom = add_record(a, CUSTOM_CONTROLS, {
        "title": "Human oversight of agent actions",
        "objective": "A person approves every irreversible action an AI agent proposes.",
        "mapped_27001": ["A.8.16"]}, cats)
    audit = add_record(a, AUDITS, audit_values(scope_controls=[custom["id"]]), cats)
    [iid] = programme.generate_checklist(a, cats, audit["id"])
    question = a.find(CHECKLIST, iid)["question"]
    assert custom["id"] in question and "Human oversight of agent actions" in question
    assert "  " not in question


def test_generate_checklist_default_scope(a, cats):
    audit = add_record(a, AUDITS, audit_values(scope_controls=[]), cats)
    programme.generate_checklist(a, cats, audit["id"])
    controls = {i["control"] for i in items_of(a, audit["id"])}
    assert controls == set(programme.audit_controls(a, cats, audit))


def test_generate_checklist_twice_adds_nothing(a, cats):
    audit = add_record(a, AUDITS, audit_values(scope_clauses="6.1.2"), cats)
    first = programme.generate_checklist(a, cats, audit["id"])
    assert first
    assert programme.generate_checklist(a, cats, audit["id"]) == []
    assert len(items_of(a, audit["id"])) == len(first)


def test_generate_checklist_per_audit(a, cats):
    one = add_record(a, AUDITS, audit_values(), cats)
    two = add_record(a, AUDITS, audit_values(title="Follow-up"), cats)
    n = len(programme.generate_checklist(a, cats, one["id"]))
    assert len(programme.generate_checklist(a, cats, two["id"])) == n
    assert len(items_of(a, two["id"])) == n


def test_generate_checklist_unknown_clause_adds_nothing(a, cats):
    audit = add_record(a, AUDITS, audit_values(scope_controls=["A.8.24"], scope_clauses="99.9"), cats)
    assert len(programme.generate_checklist(a, cats, audit["id"])) == 1


def test_generate_checklist_unknown_audit(a, cats):
    with pytest.raises(KeyError, match="AUD-042"):
        programme.generate_checklist(a, cats, "AUD-042")
    assert a.records(CHECKLIST) == []


# --- checklist item rule -------------------------------------------------------------------------
@pytest.fixture
def audited(a, cats) -> tuple[Assessment, dict, dict]:
    """The demo with an audit of A.5.19 and its first checklist item."""
    audit = add_record(a, AUDITS, audit_values(scope_controls=["A.5.19"]), cats)
    first = programme.generate_checklist(a, cats, audit["id"])[0]
    return a, audit, a.find(CHECKLIST, first)


@pytest.mark.parametrize("result", ["Conforming", "Major nonconformity", "Minor nonconformity",
                                    "Observation", "Opportunity for improvement"])
def test_audited_item_needs_objective_evidence(audited, cats, result):
    a, _, item = audited
    with pytest.raises(RecordError) as exc:
        update_record(a, CHECKLIST, item["id"], {**item, "result": result}, cats)
    problems = fields_of(exc)
    assert set(problems) == {"evidence_seen"}
    assert "Objective evidence seen" in problems["evidence_seen"]
    done = update_record(a, CHECKLIST, item["id"], {**item, "result": result,
                                                    "evidence_seen": "Supplier register v3."}, cats)
    assert done["result"] == result


def test_not_audited_item_needs_no_evidence(audited, cats):
    a, audit, item = audited
    update_record(a, CHECKLIST, item["id"], {**item, "notes": "Postponed."}, cats)
    with pytest.raises(RecordError) as exc:
        add_record(a, CHECKLIST, {"audit": "AUD-099", "control": "A.5.19", "question": "Q?",
                                  "result": "Not audited"}, cats)
    assert "AUD-099" in fields_of(exc)["audit"]


# --- findings ------------------------------------------------------------------------------------
EVIDENCE_SEEN = "Supplier register lists the LLM API provider without a security assessment."


CAPA = {"correction": "Supplier assessment done.", "root_cause": "No AI step in onboarding.",
        "corrective_action": "AI questions added to onboarding.", "effectiveness_by": "Max Miller",
        "effectiveness_on": "2026-11-27", "effectiveness_result": "Effective"}
"""What a nonconformity needs before it closes (ISO 27001 10.2)."""


def finding_values(**kw) -> dict:
    values = {"audit": "AUD-001", "grade": "Minor nonconformity", "requirement": "A.5.19",
              "statement": "The AI API provider was onboarded without a supplier assessment.",
              "objective_evidence": EVIDENCE_SEEN, "status": "Open", "owner": "Procurement lead",
              "due": "2027-01-31"}
    values.update(kw)
    return values


def test_finding_from_a_nonconformity(audited, cats):
    a, audit, item = audited
    update_record(a, CHECKLIST, item["id"], {**item, "result": "Minor nonconformity",
                                             "evidence_seen": EVIDENCE_SEEN}, cats)
    values = programme.finding_from_item(a, item["id"])
    assert values["grade"] == "Minor nonconformity"
    assert values["requirement"] == "A.5.19"
    assert values["audit"] == audit["id"]
    assert values["item"] == item["id"]
    assert values["objective_evidence"] == EVIDENCE_SEEN
    assert values["status"] == "Open"
    # the user completes the statement before it can be saved
    with pytest.raises(RecordError) as exc:
        add_record(a, FINDINGS, values, cats)
    assert set(fields_of(exc)) == {"statement"}
    finding = add_record(a, FINDINGS, {**values, "statement": "Supplier not assessed."}, cats)
    assert finding["id"] == "F-001" and finding["item"] == item["id"]


@pytest.mark.parametrize("result", ["Major nonconformity", "Observation", "Opportunity for improvement"])
def test_finding_grade_follows_the_result(audited, cats, result):
    a, _, item = audited
    update_record(a, CHECKLIST, item["id"], {**item, "result": result, "evidence_seen": "Seen."}, cats)
    assert programme.finding_from_item(a, item["id"])["grade"] == result


@pytest.mark.parametrize("result", ["Conforming", "Not audited"])
def test_no_finding_from_a_conforming_item(audited, cats, result):
    a, _, item = audited
    update_record(a, CHECKLIST, item["id"], {**item, "result": result, "evidence_seen": "Seen."}, cats)
    with pytest.raises(ValueError) as exc:
        programme.finding_from_item(a, item["id"])
    assert item["id"] in str(exc.value) and result in str(exc.value)
    assert "nonconformities" in str(exc.value)


def test_finding_from_unknown_item(a):
    with pytest.raises(KeyError, match="CHK-404"):
        programme.finding_from_item(a, "CHK-404")


def test_finding_needs_statement_and_objective_evidence(audited, cats):
    a, _, _ = audited
    with pytest.raises(RecordError) as exc:
        add_record(a, FINDINGS, finding_values(statement="", objective_evidence=""), cats)
    problems = fields_of(exc)
    assert set(problems) == {"statement", "objective_evidence"}
    assert "Nonconformity statement" in problems["statement"]
    assert "Objective evidence" in problems["objective_evidence"]
    add_record(a, FINDINGS, finding_values(), cats)


def test_finding_audit_must_exist(audited, cats):
    a, _, _ = audited
    with pytest.raises(RecordError) as exc:
        add_record(a, FINDINGS, finding_values(audit="AUD-077"), cats)
    assert "AUD-077" in fields_of(exc)["audit"]


def test_closed_finding_needs_closure_date(audited, cats):
    a, _, _ = audited
    with pytest.raises(RecordError) as exc:
        add_record(a, FINDINGS, finding_values(status="Closed", **CAPA), cats)
    problems = fields_of(exc)
    assert set(problems) == {"closed_on"}
    assert "Closed on" in problems["closed_on"] and "Closed" in problems["closed_on"]
    f = add_record(a, FINDINGS, finding_values(
        status="Closed", closed_on="2026-11-28", **CAPA), cats)
    assert f["closed_on"] == "2026-11-28"


@pytest.mark.parametrize("record, overdue", [
    ({"status": "Open", "due": "2026-11-29"}, True),
    ({"status": "Action in progress", "due": "2026-01-01"}, True),
    ({"status": "Awaiting effectiveness check", "due": "2026-11-29"}, True),
    ({"status": "Open", "due": "2026-11-30"}, False),  # due today
    ({"status": "Open", "due": "2027-01-31"}, False),
    ({"status": "Closed", "due": "2026-01-01", "closed_on": "2026-11-01"}, False),
    ({"status": "Open", "due": None}, False),
    ({"status": "Open", "due": "next week"}, False),
])
def test_finding_overdue(record, overdue):
    assert programme.finding_overdue(record, TODAY) is overdue


def test_finding_rows_flag_overdue(audited, cats):
    a, _, _ = audited
    late = add_record(a, FINDINGS, finding_values(due="2026-11-01"), cats)
    on_time = add_record(a, FINDINGS, finding_values(due="2026-12-15"), cats)
    closed = add_record(a, FINDINGS, finding_values(due="2026-11-01", status="Closed",
                                                    closed_on="2026-11-20", **CAPA), cats)
    rows = {r["id"]: r for r in programme.finding_rows(a, TODAY)}
    assert rows[late["id"]]["overdue"] == "Overdue"
    assert rows[on_time["id"]]["overdue"] == ""
    assert rows[closed["id"]]["overdue"] == ""
    assert not a.find(FINDINGS, late["id"]).get("overdue")  # derived, not stored
    # a month earlier nothing was overdue
    assert all(r["overdue"] == "" for r in programme.finding_rows(a, dt.date(2026, 10, 30)))


# --- surveillance plan ---------------------------------------------------------------------------
def test_surveillance_plan_from_the_certificate(a, cats):
    assert a.profile["certificate_issued"] == "2024-05-14"
    assert a.profile["certificate_expiry"] == "2027-05-13"
    add_record(a, AUDITS, audit_values(title="AI audit 2026", start="2026-09-01",
                                       scope_controls=[]), cats)
    add_record(a, AUDITS, audit_values(title="AI audit 2025", start="2025-11-15", lead="Ken",
                                       status="Closed", scope_controls=[]), cats)
    plan = programme.surveillance_plan(a)
    assert [(e["date"], e["kind"]) for e in plan] == [
        ("2025-05-14", "External"),
        ("2025-11-15", "Internal"),
        ("2026-05-14", "External"),
        ("2026-09-01", "Internal"),
        ("2027-02-13", "External"),
    ]
    body = a.profile["certification_body"]
    assert plan[0]["event"] == f"Surveillance audit 1 by {body}"
    assert plan[2]["event"] == f"Surveillance audit 2 by {body}"
    assert plan[4]["event"] == f"Recertification audit by {body}"
    assert "2027-05-13" in plan[4]["notes"]
    assert plan[1]["event"] == "AUD-002 AI audit 2025"
    assert "Ken" in plan[1]["notes"] and "Closed" in plan[1]["notes"]
    assert plan[3]["event"] == "AUD-001 AI audit 2026"


@pytest.mark.parametrize("issued, expiry, expected", [
    # a leap day: the anniversaries fall on 28 February
    ("2024-02-29", "2027-02-28", ["2025-02-28", "2026-02-28", "2026-11-28"]),
    # a month end: three months before 31 May is 28 February
    ("2024-01-31", "2027-05-31", ["2025-01-31", "2026-01-31", "2027-02-28"]),
    ("2023-01-31", "2026-05-31", ["2024-01-31", "2025-01-31", "2026-02-28"]),
    ("2024-01-31", "2027-01-30", ["2025-01-31", "2026-01-31", "2026-10-30"]),
    # no expiry: the cycle is three years from issue
    ("2024-05-14", None, ["2025-05-14", "2026-05-14", "2027-02-14"]),
    ("2024-01-31", None, ["2025-01-31", "2026-01-31", "2026-10-31"]),
])
def test_surveillance_plan_dates(issued, expiry, expected):
    a = Assessment.new("Org")
    a.profile.update(certificate_issued=issued, certificate_expiry=expiry)
    assert [e["date"] for e in programme.surveillance_plan(a)] == expected


@pytest.mark.parametrize("day, months, expected", [
    (dt.date(2024, 11, 30), 3, dt.date(2025, 2, 28)),
    (dt.date(2023, 11, 30), 3, dt.date(2024, 2, 29)),
    (dt.date(2024, 3, 31), -1, dt.date(2024, 2, 29)),
    (dt.date(2024, 5, 31), -1, dt.date(2024, 4, 30)),
    (dt.date(2024, 12, 15), 1, dt.date(2025, 1, 15)),
    (dt.date(2025, 1, 15), -1, dt.date(2024, 12, 15)),
    (dt.date(2024, 5, 14), 36, dt.date(2027, 5, 14)),
])
def test_add_months(day, months, expected):
    assert programme._add_months(day, months) == expected


def test_surveillance_plan_with_only_an_expiry_date():
    a = Assessment.new("Org")
    a.profile.update(certificate_expiry="2027-05-13")
    plan = programme.surveillance_plan(a)
    assert [(e["date"], e["event"]) for e in plan] == [
        ("2027-02-13", "Recertification audit by the certification body")]


def test_surveillance_plan_without_certificate_lists_internal_audits(a, cats):
    a.profile.update(certification_status="In progress", certificate_issued=None,
                     certificate_expiry=None)
    add_record(a, AUDITS, audit_values(title="Second", start="2027-03-01", scope_controls=[]), cats)
    add_record(a, AUDITS, audit_values(title="First", start="2026-12-07", scope_controls=[]), cats)
    plan = programme.surveillance_plan(a)
    assert [(e["date"], e["kind"], e["event"]) for e in plan] == [
        ("2026-12-07", "Internal", "AUD-002 First"),
        ("2027-03-01", "Internal", "AUD-001 Second"),
    ]


def test_surveillance_plan_ignores_malformed_dates():
    a = Assessment.new("Org")
    a.profile.update(certificate_issued="soon", certificate_expiry="")
    assert programme.surveillance_plan(a) == []

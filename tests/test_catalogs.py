"""The bundled catalogs: counts, IDs and titles against the published lists, every
cross-reference, file headers, and how broken bundled and user catalogs are reported.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from aigov_tui.core.catalogs import (
    ASSET_TYPES,
    CATEGORIES,
    IMPACTS,
    KINDS,
    RELATIONSHIPS,
    RELEVANCE,
    THEMES,
    CatalogError,
    Catalogs,
    load_catalogs,
)
from aigov_tui.core.paths import bundled_catalog_dir

BUNDLED = bundled_catalog_dir()
SHARED_REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"

# Verbatim copies of ../shared/reference/iso27001_2022_annex_a.csv and iso42001_2023_annex_a.csv,
# so these checks run from any checkout; test_embedded_reference_lists_match_the_shared_copies
# keeps them identical to the shared files wherever those exist.
ISO27001_CSV = """\
id,title,theme
A.5.1,Policies for information security,Organizational
A.5.2,Information security roles and responsibilities,Organizational
A.5.3,Segregation of duties,Organizational
A.5.4,Management responsibilities,Organizational
A.5.5,Contact with authorities,Organizational
A.5.6,Contact with special interest groups,Organizational
A.5.7,Threat intelligence,Organizational
A.5.8,Information security in project management,Organizational
A.5.9,Inventory of information and other associated assets,Organizational
A.5.10,Acceptable use of information and other associated assets,Organizational
A.5.11,Return of assets,Organizational
A.5.12,Classification of information,Organizational
A.5.13,Labelling of information,Organizational
A.5.14,Information transfer,Organizational
A.5.15,Access control,Organizational
A.5.16,Identity management,Organizational
A.5.17,Authentication information,Organizational
A.5.18,Access rights,Organizational
A.5.19,Information security in supplier relationships,Organizational
A.5.20,Addressing information security within supplier agreements,Organizational
A.5.21,Managing information security in the ICT supply chain,Organizational
A.5.22,"Monitoring, review and change management of supplier services",Organizational
A.5.23,Information security for use of cloud services,Organizational
A.5.24,Information security incident management planning and preparation,Organizational
A.5.25,Assessment and decision on information security events,Organizational
A.5.26,Response to information security incidents,Organizational
A.5.27,Learning from information security incidents,Organizational
A.5.28,Collection of evidence,Organizational
A.5.29,Information security during disruption,Organizational
A.5.30,ICT readiness for business continuity,Organizational
A.5.31,"Legal, statutory, regulatory and contractual requirements",Organizational
A.5.32,Intellectual property rights,Organizational
A.5.33,Protection of records,Organizational
A.5.34,Privacy and protection of PII,Organizational
A.5.35,Independent review of information security,Organizational
A.5.36,"Compliance with policies, rules and standards for information security",Organizational
A.5.37,Documented operating procedures,Organizational
A.6.1,Screening,People
A.6.2,Terms and conditions of employment,People
A.6.3,"Information security awareness, education and training",People
A.6.4,Disciplinary process,People
A.6.5,Responsibilities after termination or change of employment,People
A.6.6,Confidentiality or non-disclosure agreements,People
A.6.7,Remote working,People
A.6.8,Information security event reporting,People
A.7.1,Physical security perimeters,Physical
A.7.2,Physical entry,Physical
A.7.3,"Securing offices, rooms and facilities",Physical
A.7.4,Physical security monitoring,Physical
A.7.5,Protecting against physical and environmental threats,Physical
A.7.6,Working in secure areas,Physical
A.7.7,Clear desk and clear screen,Physical
A.7.8,Equipment siting and protection,Physical
A.7.9,Security of assets off-premises,Physical
A.7.10,Storage media,Physical
A.7.11,Supporting utilities,Physical
A.7.12,Cabling security,Physical
A.7.13,Equipment maintenance,Physical
A.7.14,Secure disposal or re-use of equipment,Physical
A.8.1,User end point devices,Technological
A.8.2,Privileged access rights,Technological
A.8.3,Information access restriction,Technological
A.8.4,Access to source code,Technological
A.8.5,Secure authentication,Technological
A.8.6,Capacity management,Technological
A.8.7,Protection against malware,Technological
A.8.8,Management of technical vulnerabilities,Technological
A.8.9,Configuration management,Technological
A.8.10,Information deletion,Technological
A.8.11,Data masking,Technological
A.8.12,Data leakage prevention,Technological
A.8.13,Information backup,Technological
A.8.14,Redundancy of information processing facilities,Technological
A.8.15,Logging,Technological
A.8.16,Monitoring activities,Technological
A.8.17,Clock synchronization,Technological
A.8.18,Use of privileged utility programs,Technological
A.8.19,Installation of software on operational systems,Technological
A.8.20,Networks security,Technological
A.8.21,Security of network services,Technological
A.8.22,Segregation of networks,Technological
A.8.23,Web filtering,Technological
A.8.24,Use of cryptography,Technological
A.8.25,Secure development life cycle,Technological
A.8.26,Application security requirements,Technological
A.8.27,Secure system architecture and engineering principles,Technological
A.8.28,Secure coding,Technological
A.8.29,Security testing in development and acceptance,Technological
A.8.30,Outsourced development,Technological
A.8.31,"Separation of development, test and production environments",Technological
A.8.32,Change management,Technological
A.8.33,Test information,Technological
A.8.34,Protection of information systems during audit testing,Technological
"""

ISO42001_CSV = """\
id,title,objective
A.2.2,AI policy,A.2 Policies related to AI
A.2.3,Alignment with other organizational policies,A.2 Policies related to AI
A.2.4,Review of the AI policy,A.2 Policies related to AI
A.3.2,AI roles and responsibilities,A.3 Internal organization
A.3.3,Reporting of concerns,A.3 Internal organization
A.4.2,Resource documentation,A.4 Resources for AI systems
A.4.3,Data resources,A.4 Resources for AI systems
A.4.4,Tooling resources,A.4 Resources for AI systems
A.4.5,System and computing resources,A.4 Resources for AI systems
A.4.6,Human resources,A.4 Resources for AI systems
A.5.2,AI system impact assessment process,A.5 Assessing impacts of AI systems
A.5.3,Documentation of AI system impact assessments,A.5 Assessing impacts of AI systems
A.5.4,Assessing AI system impact on individuals or groups of individuals,A.5 Assessing impacts of AI systems
A.5.5,Assessing societal impacts of AI systems,A.5 Assessing impacts of AI systems
A.6.1.2,Objectives for responsible development of AI system,A.6 AI system life cycle
A.6.1.3,Processes for responsible AI system design and development,A.6 AI system life cycle
A.6.2.2,AI system requirements and specification,A.6 AI system life cycle
A.6.2.3,Documentation of AI system design and development,A.6 AI system life cycle
A.6.2.4,AI system verification and validation,A.6 AI system life cycle
A.6.2.5,AI system deployment,A.6 AI system life cycle
A.6.2.6,AI system operation and monitoring,A.6 AI system life cycle
A.6.2.7,AI system technical documentation,A.6 AI system life cycle
A.6.2.8,AI system recording of event logs,A.6 AI system life cycle
A.7.2,Data for development and enhancement of AI system,A.7 Data for AI systems
A.7.3,Acquisition of data,A.7 Data for AI systems
A.7.4,Quality of data for AI systems,A.7 Data for AI systems
A.7.5,Data provenance,A.7 Data for AI systems
A.7.6,Data preparation,A.7 Data for AI systems
A.8.2,System documentation and information for users,A.8 Information for interested parties of AI systems
A.8.3,External reporting,A.8 Information for interested parties of AI systems
A.8.4,Communication of incidents,A.8 Information for interested parties of AI systems
A.8.5,Information for interested parties,A.8 Information for interested parties of AI systems
A.9.2,Processes for responsible use of AI systems,A.9 Use of AI systems
A.9.3,Objectives for responsible use of AI system,A.9 Use of AI systems
A.9.4,Intended use of the AI system,A.9 Use of AI systems
A.10.2,Allocating responsibilities,A.10 Third-party and customer relationships
A.10.3,Suppliers,A.10 Third-party and customer relationships
A.10.4,Customers,A.10 Third-party and customer relationships
"""


def reference(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


REF_27001 = reference(ISO27001_CSV)
REF_42001 = reference(ISO42001_CSV)

CLAUSES = [
    "4.1", "4.2", "4.3", "4.4", "5.1", "5.2", "5.3", "6.1.1", "6.1.2", "6.1.3", "6.2", "6.3",
    "7.1", "7.2", "7.3", "7.4", "7.5.1", "7.5.2", "7.5.3", "8.1", "8.2", "8.3", "9.1", "9.2.1",
    "9.2.2", "9.3.1", "9.3.2", "9.3.3", "10.1", "10.2",
]

OWASP_ML_2023 = {
    "ML01": "Input Manipulation Attack", "ML02": "Data Poisoning Attack",
    "ML03": "Model Inversion Attack", "ML04": "Membership Inference Attack",
    "ML05": "Model Theft", "ML06": "AI Supply Chain Attacks", "ML07": "Transfer Learning Attack",
    "ML08": "Model Skewing", "ML09": "Output Integrity Attack", "ML10": "Model Poisoning",
}
OWASP_LLM_2025 = {
    "LLM01": "Prompt Injection", "LLM02": "Sensitive Information Disclosure",
    "LLM03": "Supply Chain", "LLM04": "Data and Model Poisoning",
    "LLM05": "Improper Output Handling", "LLM06": "Excessive Agency",
    "LLM07": "System Prompt Leakage", "LLM08": "Vector and Embedding Weaknesses",
    "LLM09": "Misinformation", "LLM10": "Unbounded Consumption",
}
OWASP_AGENTIC_2026 = {
    # OWASP Top 10 for Agentic Applications for 2026 (published 9 December 2025); ASI06 is
    # published as "Memory & Context Poisoning", spelt out with "and" here
    "ASI01": "Agent Goal Hijack", "ASI02": "Tool Misuse and Exploitation",
    "ASI03": "Identity and Privilege Abuse", "ASI04": "Agentic Supply Chain Vulnerabilities",
    "ASI05": "Unexpected Code Execution (RCE)", "ASI06": "Memory and Context Poisoning",
    "ASI07": "Insecure Inter-Agent Communication", "ASI08": "Cascading Failures",
    "ASI09": "Human-Agent Trust Exploitation", "ASI10": "Rogue Agents",
}
# Sub-techniques the catalogue ships whose names the §7.1 table of the shared reference does
# not list, copied from mitre-atlas/atlas-data v5.6.0 dist/ATLAS.yaml (ID -> name, parent).
ATLAS_SUBTECHNIQUES_V560 = {
    "AML.T0011.000": "Unsafe AI Artifacts", "AML.T0011.001": "Malicious Package",
    "AML.T0018.002": "Embed Malware", "AML.T0052.000": "Spearphishing via Social Engineering LLM",
    "AML.T0052.001": "Deepfake-Assisted Phishing", "AML.T0080.000": "Memory",
    "AML.T0080.001": "Thread", "AML.T0112.000": "Local AI Agent", "AML.T0112.001": "AI Artifacts",
}
ATLAS_TACTICS = {
    "AML.TA0002": "Reconnaissance", "AML.TA0003": "Resource Development",
    "AML.TA0004": "Initial Access", "AML.TA0000": "AI Model Access", "AML.TA0005": "Execution",
    "AML.TA0006": "Persistence", "AML.TA0012": "Privilege Escalation",
    "AML.TA0007": "Defense Evasion", "AML.TA0013": "Credential Access",
    "AML.TA0008": "Discovery", "AML.TA0015": "Lateral Movement", "AML.TA0009": "Collection",
    "AML.TA0001": "AI Attack Staging", "AML.TA0014": "Command and Control",
    "AML.TA0010": "Exfiltration", "AML.TA0011": "Impact",
}
ATLAS_TECHNIQUE = re.compile(r"AML\.T\d{4}(\.\d{3})?")


@pytest.fixture(scope="module")
def cats() -> Catalogs:
    return load_catalogs()


@pytest.fixture(scope="module")
def raw() -> dict[str, dict]:
    """Each bundled file as plain YAML, independent of the loader (which drops duplicates)."""
    return {p.name: yaml.safe_load(p.read_text(encoding="utf-8"))
            for p in sorted(BUNDLED.glob("*.yaml"))}


def counts(c: Catalogs) -> dict[str, int]:
    return {
        "iso27001": len(c.iso27001), "iso42001": len(c.iso42001), "clauses": len(c.clauses),
        "mappings": len(c.mappings), "threats": len(c.threats), "tactics": len(c.tactics),
        "categories": len(c.categories), "documents": len(c.documents),
        "training_modules": len(c.training_modules), "roles": len(c.roles),
        "checklist": len(c.checklist), "incident_types": len(c.incident_types),
        "vendor_sections": len(c.vendor_questionnaire.get("sections") or []),
        "control_sets": len(c.control_sets), "files": len(c.files),
    }


def ids(entries) -> list[str]:
    return [e["id"] for e in entries]


def duplicates(values) -> list:
    return [v for v, n in Counter(values).items() if n > 1]


# -- the bundled set -------------------------------------------------------------------------------
def test_embedded_reference_lists_match_the_shared_copies():
    if not SHARED_REFERENCE.is_dir():
        pytest.skip(f"{SHARED_REFERENCE} is not available in this checkout")
    assert (SHARED_REFERENCE / "iso27001_2022_annex_a.csv").read_text() == ISO27001_CSV
    assert (SHARED_REFERENCE / "iso42001_2023_annex_a.csv").read_text() == ISO42001_CSV
    assert len(REF_27001) == 93 and len(REF_42001) == 38


def test_bundled_catalogs_load_without_problems(cats):
    assert cats.skipped == []
    assert all(f.bundled for f in cats.files)
    kinds = Counter(f.kind for f in cats.files)
    for kind in ("controls", "mapping", "threats", "documents", "training",
                 "vendor_questionnaire", "audit_checklist", "incident_types"):
        assert kinds[kind] >= 1, kind
    assert kinds["controls"] == 2
    assert {f.filename for f in cats.files} == {p.name for p in BUNDLED.glob("*.yaml")}


def test_every_bundled_file_has_a_header_with_version_sources_and_licence(cats, raw):
    seen = []
    for name, data in raw.items():
        header = data["catalog"]
        assert re.fullmatch(r"[a-z][a-z0-9_]*", header["id"]), name
        assert header["kind"] in KINDS, name
        assert isinstance(header["version"], str) and header["version"], name  # "1.0", not 1.0
        assert str(header["name"]).strip(), name
        assert isinstance(header["sources"], list) and header["sources"], name
        assert all(isinstance(s, str) and s.strip() for s in header["sources"]), name
        assert isinstance(header["licence"], str) and header["licence"].strip(), name
        seen.append(header["id"])
    assert duplicates(seen) == []
    for f in cats.files:
        assert f.sources and f.licence and f.version, f.filename


def test_control_references_are_text_in_the_yaml(raw):
    """An unquoted 27001 clause such as 9.3 is a float in YAML; 10.10 would become '10.1'."""
    problems = []

    def walk(node, where):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("controls_27001", "controls_42001", "audience") or (
                        key == "tactics" and "/threats[" in where):
                    problems.extend((where, key, v) for v in value if not isinstance(v, str))
                if key in ("id", "control") and not isinstance(value, str):
                    problems.append((where, key, value))
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, f"{where}[{i}]")

    for name, data in raw.items():
        walk(data, name)
    assert problems == []


# -- ISO 27001 ----------------------------------------------------------------------------------------
def test_iso27001_has_93_controls_split_37_8_14_34(cats):
    assert len(cats.iso27001) == 93
    themes = Counter(c["theme"] for c in cats.iso27001.values())
    assert themes == {"Organizational": 37, "People": 8, "Physical": 14, "Technological": 34}
    assert set(themes) == set(THEMES)


def test_iso27001_ids_titles_and_themes_match_the_published_list(raw):
    controls = raw["iso27001_2022.yaml"]["controls"]
    assert duplicates(ids(controls)) == []
    got = [(c["id"], c["title"], c["theme"]) for c in controls]
    expected = [(r["id"], r["title"], r["theme"]) for r in REF_27001]
    assert got == expected  # same IDs, same 2022 titles, same order as the standard


def test_every_iso27001_control_is_rated_and_high_or_medium_ones_have_guidance(cats):
    for cid, c in cats.iso27001.items():
        assert c.get("ai_relevance") in RELEVANCE, cid
        if c["ai_relevance"] in ("high", "medium"):
            guidance = (c.get("ai_guidance") or "").strip()
            sentences = len(re.findall(r"[.!?](?:\s|$)", guidance))
            assert 2 <= sentences <= 5, (cid, sentences)


def test_the_briefs_five_extensions_are_rated_high(cats):
    areas = {
        "access control": ["A.5.15", "A.5.16", "A.5.17", "A.5.18", "A.8.2", "A.8.3", "A.8.4", "A.8.5"],
        "cryptography": ["A.8.24"],
        "supplier management": ["A.5.19", "A.5.20", "A.5.21", "A.5.22", "A.5.23"],
        "change management": ["A.8.32"],
        "incident management": ["A.5.24", "A.5.25", "A.5.26", "A.5.27", "A.5.28"],
    }
    for area, control_ids in areas.items():
        for cid in control_ids:
            assert cats.iso27001[cid]["ai_relevance"] == "high", (area, cid)


def test_iso27001_clauses_4_to_10(cats, raw):
    clauses = raw["iso27001_2022.yaml"]["clauses"]
    assert ids(clauses) == CLAUSES
    assert len(cats.clauses) == 30
    for cid in ("6.1.3", "9.2.2", "10.2"):
        assert cats.known_27001(cid)
    assert cats.clauses["6.1.3"]["title"] == "Information security risk treatment"
    assert cats.clauses["10.2"]["title"] == "Nonconformity and corrective action"
    assert all(c["title"].strip() for c in clauses)
    assert not cats.known_27001("6.1.4") and not cats.known_27001("A.9.9")


# -- ISO 42001 ----------------------------------------------------------------------------------------
def test_iso42001_ids_and_titles_match_the_published_list(cats, raw):
    controls = raw["iso42001_2023.yaml"]["controls"]
    assert len(cats.iso42001) == 38
    assert duplicates(ids(controls)) == []
    assert [(c["id"], c["title"]) for c in controls] == [(r["id"], r["title"]) for r in REF_42001]


def test_iso42001_objectives_and_per_objective_counts(cats, raw):
    expected_objectives = {}
    for r in REF_42001:
        oid, title = r["objective"].split(" ", 1)
        expected_objectives[oid] = title
    objectives = cats.objectives["iso42001_2023"]
    assert {o: v["title"] for o, v in objectives.items()} == expected_objectives
    for cid, c in cats.iso42001.items():
        assert c["objective"] in objectives, cid
    got = Counter(c["objective"] for c in cats.iso42001.values())
    expected = Counter(r["objective"].split(" ", 1)[0] for r in REF_42001)
    assert got == expected
    by_id = {r["id"]: r["objective"].split(" ", 1)[0] for r in REF_42001}
    assert {cid: c["objective"] for cid, c in cats.iso42001.items()} == by_id
    assert all((c.get("guidance") or "").strip() for c in cats.iso42001.values())


# -- mapping 42001 -> 27001 -------------------------------------------------------------------------
def test_every_iso42001_control_is_mapped_exactly_once(cats, raw):
    mapped = Counter(m["control"] for m in raw["mapping_42001_27001.yaml"]["mappings"])
    assert set(mapped) == set(cats.iso42001)
    assert [c for c, n in mapped.items() if n != 1] == []


def test_mapping_targets_resolve_with_allowed_relationships(cats):
    for m in cats.mappings:
        targets = m.get("maps_to") or []
        if "none" in m:
            assert not targets, m["control"]
            assert len(m["none"].strip()) > 20, m["control"]  # a reason, not a placeholder
            continue
        assert targets, m["control"]
        assert duplicates(ids(targets)) == [], m["control"]
        for t in targets:
            assert cats.known_27001(t["id"]), (m["control"], t["id"])
            assert t["relationship"] in RELATIONSHIPS, (m["control"], t["id"])
            assert t["rationale"].strip(), (m["control"], t["id"])


def test_genuinely_new_ai_controls_are_marked_none(cats):
    none = {m["control"] for m in cats.mappings if "none" in m}
    # societal impact assessment and data quality have no ISMS counterpart at all
    assert {"A.5.5", "A.7.4"} <= none
    assert 0 < len(none) < len(cats.iso42001)


REVIEWER_SUPPORTS_PAIRS = [
    ("A.6.2.5", "A.8.29"), ("A.6.2.5", "A.8.19"), ("A.10.2", "4.3"), ("A.10.2", "A.8.30"),
    ("A.10.3", "A.5.23"), ("A.10.3", "A.8.30"), ("A.6.1.3", "A.8.28"), ("A.8.4", "7.4"),
    ("A.6.1.2", "A.8.25"), ("A.4.2", "7.1"), ("A.9.4", "A.8.16"),
]


@pytest.mark.parametrize("control, target", REVIEWER_SUPPORTS_PAIRS)
def test_the_supports_pairs_a_reviewer_named_are_mapped_with_a_rationale(cats, control, target):
    mapping = next(m for m in cats.mappings if m["control"] == control)
    pair = [t for t in mapping.get("maps_to") or [] if t["id"] == target]
    assert len(pair) == 1, (control, target)
    assert pair[0]["relationship"] == "supports"
    assert len(pair[0]["rationale"]) > 60  # a reason in our words, not a placeholder
    assert cats.known_27001(target)


def test_a_7_4_says_what_27001_lacks_not_that_it_ignores_accuracy(cats):
    a74 = next(m for m in cats.mappings if m["control"] == "A.7.4")
    text = a74["none"]
    assert "accuracy and completeness" in text and "27000" in text
    for word in ("representative", "bias", "fit for training"):
        assert word in text, word


def test_the_mapping_records_why_transitive_crosswalk_pairs_were_left_out(raw):
    notes = {n["id"]: n for n in raw["mapping_42001_27001.yaml"]["notes"]}
    text = notes["transitive_pairs"]["text"]
    assert "left out" in text and "third framework" in text
    # the reviewer's pairs are listed as added, each a pair that is mapped
    added = notes["reviewer_pairs"]["text"]
    for control, _ in REVIEWER_SUPPORTS_PAIRS:
        assert control in added, control


# -- threats -------------------------------------------------------------------------------------------
def test_owasp_top_tens_are_complete_with_their_published_names(cats):
    for listing, framework in ((OWASP_ML_2023, "OWASP ML Top 10 2023"),
                               (OWASP_LLM_2025, "OWASP LLM Top 10 2025"),
                               (OWASP_AGENTIC_2026, "OWASP Agentic Top 10 2026")):
        for tid, title in listing.items():
            assert tid in cats.threats, tid
            assert cats.threats[tid]["title"] == title, tid
            assert cats.threats[tid]["framework"] == framework, tid


def test_atlas_techniques_and_tactics_are_well_formed(cats, raw):
    threats = raw["ai_threats.yaml"]["threats"]
    assert duplicates(ids(threats)) == []
    owasp = set(OWASP_ML_2023) | set(OWASP_LLM_2025) | set(OWASP_AGENTIC_2026)
    atlas = [t for t in threats if t["id"] not in owasp]
    assert len(atlas) >= 10
    for t in atlas:
        assert ATLAS_TECHNIQUE.fullmatch(t["id"]), t["id"]
        assert t["framework"] == "MITRE ATLAS", t["id"]
        assert t.get("tactics"), t["id"]  # every technique sits under at least one tactic
    assert {tid: t["title"] for tid, t in cats.tactics.items()} == ATLAS_TACTICS
    for t in cats.threats.values():
        for tactic in t.get("tactics") or []:
            assert tactic in cats.tactics, (t["id"], tactic)


def test_atlas_techniques_match_the_reference_taxonomy(cats):
    """IDs, names and first-listed tactic against ../shared/reference/auditor-formats.md §7.1."""
    path = SHARED_REFERENCE / "auditor-formats.md"
    if not path.is_file():
        pytest.skip(f"{path} is not available in this checkout")
    text = path.read_text(encoding="utf-8")
    section = text.split("### 7.1", 1)[1].split("### 7.2", 1)[0]
    tactic_ids = {title: tid for tid, title in ATLAS_TACTICS.items()}
    names, first_tactic = {}, {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 2 or cells[0] not in tactic_ids:
            continue
        for part in cells[1].split(";"):
            m = re.match(r"\s*T(\d{4}) ([^(]+?)\s*(?:\((.*)\))?\s*$", part)
            assert m, part
            tid = f"AML.T{m.group(1)}"
            names[tid] = m.group(2)
            first_tactic[tid] = tactic_ids[cells[0]]
            for sub, sub_name in re.findall(r"\.(\d{3}) ([^,…]+)", m.group(3) or ""):
                names[f"{tid}.{sub}"] = sub_name.strip()
                first_tactic[f"{tid}.{sub}"] = tactic_ids[cells[0]]
    assert len(names) > 100  # the table was found and read
    for tid, name in ATLAS_SUBTECHNIQUES_V560.items():
        parent = tid.rsplit(".", 1)[0]
        assert parent in names, tid  # the parent technique is in the reference table
        names.setdefault(tid, name)
        first_tactic.setdefault(tid, first_tactic[parent])
    for tid, t in cats.threats.items():
        if not tid.startswith("AML."):
            continue
        assert tid in names, tid
        assert t["title"].endswith(names[tid]), (tid, t["title"], names[tid])
        assert first_tactic[tid] in t["tactics"], (tid, first_tactic[tid])
    # the ATLAS IDs cited in any threat's references exist too
    for t in cats.threats.values():
        for ref in t.get("references") or []:
            for cited in re.findall(r"AML\.T\d{4}(?:\.\d{3})?", ref):
                assert cited in names, (t["id"], cited)


def test_threat_fields_use_the_shared_vocabularies(cats):
    for tid, t in cats.threats.items():
        assert t["category"] in CATEGORIES or t["category"] in cats.categories, tid
        assert t["asset_types"] and set(t["asset_types"]) <= set(ASSET_TYPES), tid
        assert t["impact"] and set(t["impact"]) <= set(IMPACTS), tid
        assert t.get("controls_27001") or t.get("controls_42001"), tid
    # an extra category only where none of the brief's five fits, and each one is used
    assert not set(cats.categories) & set(CATEGORIES)
    used = {t["category"] for t in cats.threats.values()}
    assert set(cats.categories) <= used
    assert set(CATEGORIES) <= used


BRIEF_CATEGORIES = ("training_data_security", "model_protection", "adversarial_robustness",
                    "inference_security", "supply_chain")


def test_every_threat_rolls_up_to_one_of_the_briefs_five_and_names_a_27001_control(cats):
    assert tuple(CATEGORIES) == BRIEF_CATEGORIES
    for tid, t in cats.threats.items():
        assert cats.root_category(t["category"]) in BRIEF_CATEGORIES, tid
        assert t.get("controls_27001"), tid
    # the three extra categories each name a parent among the five, with a reason
    assert set(cats.categories) == {"excessive_agency", "output_integrity", "unbounded_consumption"}
    for key, cat in cats.categories.items():
        assert cat["parent"] in BRIEF_CATEGORIES, key
        assert len(cat.get("parent_rationale", "")) > 40, key
    # output integrity in transit (OWASP ML09) belongs to inference security
    assert cats.threats["ML09"]["category"] == "inference_security"
    rolled = Counter(cats.root_category(t["category"]) for t in cats.threats.values())
    assert set(rolled) == set(BRIEF_CATEGORIES)


def test_monitoring_is_linked_where_it_is_the_answer_not_by_default(cats):
    with_monitoring = [tid for tid, t in cats.threats.items() if "A.8.16" in t["controls_27001"]]
    assert 0 < len(with_monitoring) <= len(cats.threats) // 4
    # query-pattern, drift and consumption threats keep it: monitoring is how they are caught
    assert {"ML03", "ML04", "ML05", "ML08", "LLM10", "AML.T0024.002", "AML.T0029",
            "AML.T0034"} <= set(with_monitoring)
    # input attacks and poisoning are answered by design, testing and data controls instead
    assert not {"ML01", "ML02", "LLM01", "AML.T0020", "AML.T0051.000", "AML.T0043"} & set(with_monitoring)


def test_every_source_edition_has_a_version_date_and_status(cats, raw):
    data = raw["ai_threats.yaml"]
    editions = {e["framework"]: e for e in data["editions"]}
    for tid, t in cats.threats.items():
        assert t["framework"] in editions, tid
    for e in editions.values():
        assert e["version"] and re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", str(e["date"])), e["id"]
    assert editions["OWASP ML Top 10 2023"]["status"] == "draft"
    assert editions["MITRE ATLAS"]["version"] == "5.6.0"
    assert editions["OWASP Agentic Top 10 2026"]["date"] == "2025-12-09"
    # the header's source lines say the same versions and dates
    sources = " ".join(data["catalog"]["sources"])
    for fragment in ("still a draft", "v5.6.0", "30 April 2026", "9 December 2025",
                     "November 2024", "24 March 2025"):
        assert fragment in sources, fragment
    # every shipped edition has threats; the superseded one is only crosswalked from
    shipped = {t["framework"] for t in cats.threats.values()}
    for framework, e in editions.items():
        assert (framework in shipped) == (e["status"] != "superseded"), framework


def test_crosswalks_cover_every_renumbered_and_overlapping_entry(cats):
    old = cats.crosswalks["owasp_llm_2023_to_2025"]
    assert [p["from"] for p in old["pairs"]] == [f"LLM{i:02d}" for i in range(1, 11)]
    # every 2025 entry is reached except the two the 2025 edition added
    assert set(OWASP_LLM_2025) - {t for p in old["pairs"] for t in p["to"]} == {"LLM07", "LLM08"}
    agentic = cats.crosswalks["owasp_agentic_2026_to_llm_2025"]
    assert [p["from"] for p in agentic["pairs"]] == list(OWASP_AGENTIC_2026)
    for p in agentic["pairs"]:
        assert all(t in OWASP_LLM_2025 for t in p["to"]), p
        assert p["note"].strip(), p
        # each agentic threat names the LLM entries it overlaps in its own references
        refs = " ".join(cats.threats[p["from"]].get("references") or [])
        for llm in p["to"]:
            assert llm in refs, (p["from"], llm)
    assert any(not p["to"] for p in agentic["pairs"])  # ASI07 has no LLM counterpart


AGENT_TECHNIQUES = {"AML.T0053", "AML.T0080", "AML.T0081", "AML.T0083", "AML.T0086",
                    "AML.T0101", "AML.T0104", "AML.T0105", "AML.T0109", "AML.T0110", "AML.T0061"}
MODEL_FILE_TECHNIQUES = {"AML.T0011.000", "AML.T0018.002", "AML.T0112.001"}
MODEL_HUB_TECHNIQUES = {"AML.T0058", "AML.T0079", "AML.T0111"}
DEEPFAKE_TECHNIQUES = {"AML.T0088", "AML.T0052.001", "AML.T0073"}


def test_agentic_model_file_model_hub_and_deepfake_threats_are_named(cats):
    for group in (AGENT_TECHNIQUES, MODEL_FILE_TECHNIQUES, MODEL_HUB_TECHNIQUES,
                  DEEPFAKE_TECHNIQUES, set(OWASP_AGENTIC_2026)):
        missing = group - set(cats.threats)
        assert not missing, missing
    for tid in AGENT_TECHNIQUES | set(OWASP_AGENTIC_2026):
        assert "agent_tool" in cats.threats[tid]["asset_types"], tid
    # unsafe model files: malware protection and control over what is installed and loaded
    for tid in MODEL_FILE_TECHNIQUES:
        assert {"A.8.7"} <= set(cats.threats[tid]["controls_27001"]), tid
        assert "model" in cats.threats[tid]["asset_types"], tid
    assert "pickle" in cats.threats["AML.T0011.000"]["description"]
    # model hubs: supplier and ICT supply-chain controls, and what may be installed
    for tid in MODEL_HUB_TECHNIQUES:
        assert {"A.5.21", "A.8.19"} & set(cats.threats[tid]["controls_27001"]), tid
        assert cats.threats[tid]["category"] == "supply_chain", tid
    assert "typosquat" in cats.threats["AML.T0079"]["description"]
    for tid in DEEPFAKE_TECHNIQUES:
        assert "A.6.3" in cats.threats[tid]["controls_27001"], tid  # people are trained to check


# -- cross-references ----------------------------------------------------------------------------------
def _entries_with_refs(cats: Catalogs):
    yield from (("threats", t) for t in cats.threats.values())
    yield from (("documents", d) for d in cats.documents.values())
    yield from (("training", m) for m in cats.training_modules.values())
    yield from (("checklist", q) for q in cats.checklist.values())
    yield from (("incident_types", i) for i in cats.incident_types.values())
    for s in cats.vendor_questionnaire["sections"]:
        yield from (("vendor", q) for q in s["questions"])


def test_every_control_reference_resolves(cats):
    unknown = []
    n = 0
    for where, e in _entries_with_refs(cats):
        n += 1
        unknown += [(where, e["id"], r) for r in e.get("controls_27001") or []
                    if not cats.known_27001(r)]
        unknown += [(where, e["id"], r) for r in e.get("controls_42001") or []
                    if r not in cats.iso42001]
    assert n > 150
    assert unknown == []


def test_documents(cats, raw):
    docs = raw["isms_documents.yaml"]["documents"]
    assert duplicates(ids(docs)) == []
    for d in cats.documents.values():
        assert d["title"].strip() and d["ai_changes"], d["id"]
        assert d.get("controls_27001") or d.get("controls_42001"), d["id"]


def test_training_modules_name_declared_roles(cats, raw):
    data = raw["training_modules.yaml"]
    assert duplicates(ids(data["modules"])) == []
    assert duplicates(ids(data["roles"])) == []
    for m in cats.training_modules.values():
        assert m["audience"], m["id"]
        for role in m["audience"]:
            assert role in cats.roles, (m["id"], role)
        assert m["topics"], m["id"]
        assert m.get("frequency") in ("once", "annual", "biannual", "on change"), m["id"]
        assert isinstance(m.get("duration_hours"), (int, float)) and m["duration_hours"] > 0
    # every declared role is trained by some module
    assert {r for m in cats.training_modules.values() for r in m["audience"]} == set(cats.roles)


def test_vendor_questionnaire_weights_and_ids(cats):
    vq = cats.vendor_questionnaire
    sections = vq["sections"]
    assert sum(s["weight"] for s in sections) == 100
    for s in sections:
        assert sum(q["weight"] for q in s["questions"]) == s["weight"], s["id"]
        for q in s["questions"]:
            assert q["text"].strip() and q.get("evidence"), q["id"]
            assert q.get("controls_27001") or q.get("controls_42001"), q["id"]
    question_ids = [q["id"] for s in sections for q in s["questions"]]
    assert duplicates(question_ids) == []  # unique across sections, not only within one
    assert duplicates(ids(sections)) == []
    values = [a["value"] for a in vq["answer_scale"]]
    assert values == list(range(len(values))) and len(values) >= 3
    certs = ids(vq["certifications"])
    assert duplicates(certs) == []
    assert {"iso27001", "iso42001", "soc2_type2"} <= set(certs)


def test_audit_checklist(cats, raw):
    questions = raw["audit_checklist.yaml"]["questions"]
    assert duplicates(ids(questions)) == []
    for q in cats.checklist.values():
        assert q["controls_27001"] or q["controls_42001"], q["id"]
        assert q["question"].strip() and q["evidence_expected"].strip(), q["id"]
    # the checklist reaches every ISO 42001 control and internal audit itself
    covered_42001 = {c for q in cats.checklist.values() for c in q["controls_42001"]}
    assert covered_42001 == set(cats.iso42001)


# the clauses a reviewer found without an audit question (issue 14)
CLAUSES_ONCE_MISSING = ("5.1", "6.1.1", "6.3", "7.1", "7.4", "8.1", "9.3.1", "9.3.3", "10.1")


def test_every_isms_clause_4_to_10_has_an_audit_question(cats):
    by_clause = Counter(r for q in cats.checklist.values() for r in q["controls_27001"]
                        if not r.startswith("A."))
    assert set(by_clause) <= set(cats.clauses)  # no question names a clause the catalog lacks
    # every sub-clause, so every clause 4 to 10, is asked about at least once
    assert [c for c in CLAUSES if not by_clause[c]] == []
    assert {c.split(".")[0] for c in by_clause} == {"4", "5", "6", "7", "8", "9", "10"}
    assert all(by_clause[c] >= 1 for c in CLAUSES_ONCE_MISSING)


def test_an_audit_question_checks_incident_notification_timestamps(cats):
    def words(q):
        return " ".join(q["question"].split()) + " " + " ".join(q["evidence_expected"].split())

    found = [q for q in cats.checklist.values()
             if "timestamp" in words(q) and "notif" in words(q) and "A.5.24" in q["controls_27001"]]
    assert found, "no checklist question asks for incident notification timestamps"
    text = words(found[0])
    for moment in ("detected", "awareness", "notice"):
        assert moment in text, moment
    for regime in ("Art. 73", "Art. 26(5)", "GDPR Art. 33", "NIS2 Art. 23"):
        assert regime in text, regime
    assert "A.8.4" in found[0]["controls_42001"]  # communication of incidents


def test_incident_types(cats, raw):
    data = raw["incident_types.yaml"]
    assert duplicates(ids(data["incident_types"])) == []
    assert duplicates(ids(data.get("severities") or [])) == []
    for t in cats.incident_types.values():
        assert t["category"] in CATEGORIES or t["category"] in cats.categories, t["id"]
        assert t["description"].strip(), t["id"]


def test_ids_are_unique_across_catalog_lists(cats, raw):
    """No entry ID is reused across the merged catalogs, so a reference names one thing."""
    everything = (ids(raw["isms_documents.yaml"]["documents"])
                  + ids(raw["training_modules.yaml"]["modules"])
                  + ids(raw["audit_checklist.yaml"]["questions"])
                  + ids(raw["incident_types.yaml"]["incident_types"])
                  + ids(raw["ai_threats.yaml"]["threats"]))
    assert duplicates(everything) == []


# -- user catalogs ------------------------------------------------------------------------------------
def header(cid: str, kind: str) -> str:
    return (f"catalog:\n  id: {cid}\n  name: {cid} test catalog\n  kind: {kind}\n"
            f"  version: \"1\"\n  sources: [Acme internal]\n  licence: Acme internal use.\n")


BROKEN_USER_FILES = {
    # (a) not YAML at all
    "a_invalid.yaml": header("acme_invalid", "documents") + "documents:\n  - id: [unclosed\n",
    # (b) a training module naming an unknown ISO 27001 control
    "b_training.yaml": header("acme_training", "training") + (
        "modules:\n"
        "  - id: TM-X\n    title: Acme module\n    audience: [all_staff]\n"
        "    topics: [prompts]\n    controls_27001: [A.9.9]\n    controls_42001: []\n"),
    # (c) two documents with the same id
    "c_documents.yaml": header("acme_docs_dup", "documents") + (
        "documents:\n"
        "  - id: ACME-D1\n    title: One\n    ai_changes: [x]\n"
        "  - id: ACME-D1\n    title: Two\n    ai_changes: [y]\n"),
    # (d) a control without a title
    "d_controls.yaml": header("acme_broken_controls", "controls") + (
        "controls:\n  - id: X-1\n    title: Fine\n  - id: X-2\n    theme: Technological\n"),
    # (e) a new document next to one that clashes with a bundled id
    "e_clash.yaml": header("acme_docs_clash", "documents") + (
        "documents:\n"
        "  - id: ACME-NEW\n    title: New\n    ai_changes: [x]\n"
        "  - id: ISD-01\n    title: Clash\n    ai_changes: [y]\n"),
    # (f) a module for an audience nobody declared
    "f_roles.yaml": header("acme_training_roles", "training") + (
        "modules:\n"
        "  - id: TM-Y\n    title: Wizards\n    audience: [wizard]\n    topics: [spells]\n"
        "    controls_27001: [A.6.3]\n"),
}

EXPECTED_MESSAGES = {
    "a_invalid.yaml": ["not valid YAML", "line "],
    "b_training.yaml": ["modules[0] (TM-X)", "'A.9.9'"],
    "c_documents.yaml": ["documents[1] (ACME-D1)", "duplicate id 'ACME-D1'"],
    "d_controls.yaml": ["controls[1] (X-2)", "'title'"],
    "e_clash.yaml": ["documents[1] (ISD-01)", "already defined"],
    "f_roles.yaml": ["modules[0] (TM-Y)", "'wizard'"],
}

VALID_USER_FILES = {
    "g_documents.yaml": header("acme_documents", "documents") + (
        "documents:\n"
        "  - id: ACME-DOC-1\n    title: Model card standard\n"
        "    controls_27001: [A.5.37, \"7.5.3\"]\n    controls_42001: [A.6.2.7]\n"
        "    ai_changes: [Write a model card for every production model.]\n"),
    "h_controls.yaml": header("acme_ai_controls", "controls") + (
        "controls:\n"
        "  - id: ACME-1\n    title: Red-team customer-facing LLMs before release\n"
        "    ai_relevance: high\n"
        "    ai_guidance: Run a red-team exercise. Keep the report as evidence.\n"),
    "i_training.yaml": header("acme_training_ok", "training") + (
        "roles:\n  - id: acme_champion\n    title: AI champion\n"
        "modules:\n"
        "  - id: TM-ACME\n    title: AI champions\n    audience: [acme_champion, all_staff]\n"
        "    topics: [local rules]\n    controls_27001: [A.6.3]\n    controls_42001: [A.4.6]\n"),
}


@pytest.fixture
def user_dir(tmp_path) -> Path:
    folder = tmp_path / "my-catalogs"
    folder.mkdir()
    for name, text in {**BROKEN_USER_FILES, **VALID_USER_FILES}.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "notes.txt").write_text("not a catalog")  # ignored: not .yaml
    return folder


def test_broken_user_catalogs_are_reported_and_skipped(cats, user_dir):
    loaded = load_catalogs(user_dir)
    assert len(loaded.skipped) == len(BROKEN_USER_FILES)
    for name, fragments in EXPECTED_MESSAGES.items():
        messages = [m for m in loaded.skipped if m.startswith(f"{name}: ")]
        assert len(messages) == 1, (name, loaded.skipped)
        for fragment in fragments:
            assert fragment in messages[0], (fragment, messages[0])
        assert messages[0].endswith("(skipped)")
    # nothing of a skipped file is merged, not even its good entries
    assert "TM-X" not in loaded.training_modules and "TM-Y" not in loaded.training_modules
    assert "ACME-D1" not in loaded.documents and "ACME-NEW" not in loaded.documents
    assert loaded.documents["ISD-01"] == cats.documents["ISD-01"]
    assert "acme_broken_controls" not in loaded.control_sets
    skipped_files = {f.filename for f in loaded.files} & set(BROKEN_USER_FILES)
    assert skipped_files == set()


def test_bundled_catalogs_still_load_next_to_broken_user_ones(cats, user_dir):
    loaded = load_catalogs(user_dir)
    before, after = counts(cats), counts(loaded)
    # only the valid user files add to the counts
    assert after["iso27001"] == 93 and after["iso42001"] == 38 and after["clauses"] == 30
    assert after["documents"] == before["documents"] + 1
    assert after["training_modules"] == before["training_modules"] + 1
    assert after["roles"] == before["roles"] + 1
    assert after["control_sets"] == before["control_sets"] + 1
    assert after["files"] == before["files"] + len(VALID_USER_FILES)
    for key in ("mappings", "threats", "tactics", "checklist", "incident_types", "vendor_sections"):
        assert after[key] == before[key], key


def test_valid_user_catalogs_are_merged(user_dir):
    loaded = load_catalogs(user_dir)
    assert loaded.documents["ACME-DOC-1"]["title"] == "Model card standard"
    assert loaded.control_sets["acme_ai_controls"]["ACME-1"]["ai_relevance"] == "high"
    assert loaded.training_modules["TM-ACME"]["audience"] == ["acme_champion", "all_staff"]
    user = [f for f in loaded.files if not f.bundled]
    assert {f.filename for f in user} == set(VALID_USER_FILES)


def test_valid_user_catalog_alone_loads_without_messages(tmp_path):
    (tmp_path / "docs.yaml").write_text(VALID_USER_FILES["g_documents.yaml"])
    loaded = load_catalogs(tmp_path)
    assert loaded.skipped == []
    assert "ACME-DOC-1" in loaded.documents


def test_user_catalog_cannot_replace_a_bundled_control_set(tmp_path):
    (tmp_path / "fake27001.yaml").write_text(header("iso27001_2022", "controls") + (
        "controls:\n  - id: A.5.1\n    title: Something else\n"))
    loaded = load_catalogs(tmp_path)
    assert len(loaded.skipped) == 1 and "fake27001.yaml" in loaded.skipped[0]
    assert loaded.iso27001["A.5.1"]["title"] == "Policies for information security"
    assert len(loaded.iso27001) == 93


@pytest.mark.parametrize("content, fragment", [
    ("", "mapping"),
    ("- just\n- a list\n", "mapping"),
    ("catalog:\n  id: x\n", "catalog"),
    (header("Bad-Id", "documents") + "documents: []\n", "lower case"),
    (header("acme_kind", "recipes") + "recipes: []\n", "'kind'"),
    (header("acme_threats", "threats") + (
        "threats:\n  - id: T-1\n    title: t\n    framework: f\n    description: d\n"
        "    category: weather\n    asset_types: [model]\n    impact: [C]\n"), "'weather'"),
    (header("acme_cat", "threats") + (
        "categories:\n  - id: weather\n    title: Weather\n"
        "threats:\n  - id: T-1\n    title: t\n    framework: f\n    description: d\n"
        "    category: weather\n    asset_types: [model]\n    impact: [C]\n"),
     "categories[0] (weather): 'parent' is missing"),
    (header("acme_ed", "threats") + (
        "editions:\n  - id: e1\n    framework: Acme list 1\n    name: Acme\n    version: '1'\n"
        "    date: '2026'\n    status: published\n"
        "threats:\n  - id: T-1\n    title: t\n    framework: Acme list 2\n    description: d\n"
        "    category: supply_chain\n    asset_types: [model]\n    impact: [C]\n"),
     "threats[0] (T-1): framework 'Acme list 2' is not one of the editions"),
    (header("acme_xw", "threats") + (
        "editions:\n  - id: e1\n    framework: Acme list 1\n    name: Acme\n    version: '1'\n"
        "    date: 2026-13\n    status: published\n"
        "threats:\n  - id: T-1\n    title: t\n    framework: Acme list 1\n    description: d\n"
        "    category: supply_chain\n    asset_types: [model]\n    impact: [C]\n"),
     "editions[0] (e1)"),
    (header("acme_xw2", "threats") + (
        "editions:\n  - id: e1\n    framework: Acme list 1\n    name: Acme\n    version: '1'\n"
        "    date: '2026'\n    status: published\n"
        "threats:\n  - id: T-1\n    title: t\n    framework: Acme list 1\n    description: d\n"
        "    category: supply_chain\n    asset_types: [model]\n    impact: [C]\n"
        "crosswalks:\n  - id: x1\n    title: x\n    from: e1\n    to: e1\n"
        "    pairs:\n      - {from: T-1, to: [T-9], note: n}\n"),
     "crosswalks[0] (x1) pairs[0]: 'to' names 'T-9'"),
    (header("acme_map", "mapping") + "mappings:\n  - control: A.5.5\n    none: ''\n", "'none'"),
    (header("acme_docs42", "documents") + (
        "documents:\n  - id: ACME-42\n    title: t\n    ai_changes: [x]\n"
        "    controls_42001: [A.11.1]\n"), "documents[0] (ACME-42): controls_42001"),
    (header("acme_incidents", "incident_types") + (
        "incident_types:\n  - id: AIT-X\n    title: t\n    description: d\n"
        "    category: weather\n"), "incident_types[0] (AIT-X)"),
    (header("acme_vq", "vendor_questionnaire") + (
        "answer_scale:\n  - {value: 0, label: No}\n  - {value: 1, label: Yes}\n"
        "sections:\n  - id: S-1\n    title: s\n    weight: 100\n    questions:\n"
        "      - id: Q-1\n        text: t\n        weight: 100\n        evidence: [e]\n"
        "        controls_27001: [A.5.19]\n        sources: Art. 53\n"), "'sources' must be a list"),
])
def test_more_broken_user_files_are_skipped_with_a_message(tmp_path, content, fragment):
    (tmp_path / "broken.yaml").write_text(content)
    loaded = load_catalogs(tmp_path)
    assert len(loaded.skipped) == 1, loaded.skipped
    assert loaded.skipped[0].startswith("broken.yaml")
    assert fragment in loaded.skipped[0]
    assert len(loaded.iso27001) == 93


def test_nonexistent_user_folder_gives_a_message_not_an_exception(tmp_path):
    missing = tmp_path / "no-such-folder"
    loaded = load_catalogs(missing)
    assert len(loaded.skipped) == 1
    assert str(missing) in loaded.skipped[0]
    assert "does not exist" in loaded.skipped[0]
    assert len(loaded.iso27001) == 93
    a_file = tmp_path / "file.yaml"
    a_file.write_text("x: 1\n")
    assert len(load_catalogs(a_file).skipped) == 1


# -- broken bundled catalogs ----------------------------------------------------------------------
@pytest.fixture
def bundled_copy(tmp_path) -> Path:
    folder = tmp_path / "catalogs"
    shutil.copytree(BUNDLED, folder)
    return folder


def edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_an_unchanged_copy_of_the_bundled_catalogs_loads(bundled_copy, cats):
    assert counts(load_catalogs(bundled_dir=bundled_copy)) == counts(cats)


def test_broken_bundled_reference_raises_naming_file_and_entry(bundled_copy):
    edit(bundled_copy / "training_modules.yaml",
         lambda d: d["modules"][3]["controls_27001"].append("A.9.9"))
    with pytest.raises(CatalogError) as info:
        load_catalogs(bundled_dir=bundled_copy)
    err = info.value
    assert err.file == "training_modules.yaml"
    assert err.entry == "modules[3] (TM-04)"
    assert "A.9.9" in str(err)
    assert str(err).startswith("training_modules.yaml: modules[3] (TM-04): ")


def test_broken_bundled_entry_raises_naming_file_and_entry(bundled_copy):
    edit(bundled_copy / "iso27001_2022.yaml", lambda d: d["controls"][14].pop("title"))
    with pytest.raises(CatalogError) as info:
        load_catalogs(bundled_dir=bundled_copy)
    assert info.value.file == "iso27001_2022.yaml"
    assert info.value.entry == "controls[14] (A.5.15)"
    assert "'title'" in str(info.value)


def test_high_relevance_control_without_guidance_is_rejected(bundled_copy):
    edit(bundled_copy / "iso27001_2022.yaml", lambda d: d["controls"][0].pop("ai_guidance"))
    with pytest.raises(CatalogError, match=r"iso27001_2022\.yaml: controls\[0\] \(A\.5\.1\): 'ai_guidance'"):
        load_catalogs(bundled_dir=bundled_copy)


def test_broken_bundled_mapping_raises(bundled_copy):
    def change(d):
        d["mappings"][0]["maps_to"][0]["relationship"] = "identical"
    edit(bundled_copy / "mapping_42001_27001.yaml", change)
    with pytest.raises(CatalogError) as info:
        load_catalogs(bundled_dir=bundled_copy)
    assert info.value.file == "mapping_42001_27001.yaml"
    assert info.value.entry.startswith("mappings[0] (A.2.2) maps_to[0]")


def test_invalid_bundled_yaml_raises(bundled_copy):
    path = bundled_copy / "isms_documents.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n  bad: [indent\n", encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        load_catalogs(bundled_dir=bundled_copy)
    assert info.value.file == "isms_documents.yaml"
    assert "not valid YAML" in str(info.value)


def test_missing_bundled_iso27001_raises(bundled_copy):
    (bundled_copy / "iso27001_2022.yaml").unlink()
    with pytest.raises(CatalogError, match="ISO 27001"):
        load_catalogs(bundled_dir=bundled_copy)

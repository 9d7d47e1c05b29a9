"""The register declarations of an assessment.

Each register is declared once here. Forms, tables, validation, export sheets and import
parsers all read these declarations.
"""

from __future__ import annotations

from typing import Any

from . import scoring
from .schema import Field, Kind, Register, RequiredWhen, colour_map

# Every register's stable ID prefix, including those whose steps arrive later. IDs are
# never reused after a delete: the assessment keeps a counter per prefix.
ID_PREFIXES: dict[str, str] = {
    "ai_systems": "SYS",
    "assets": "AST",
    "risks": "R",
    "evidence": "EV",
    "documents": "DOC",
    "training": "TRN",
    "audits": "AUD",
    "findings": "F",
    "vendors": "V",
    "incidents": "INC",
    "custom_controls": "AIC",
    "people": "PER",
    "assignments": "ASG",
    "checklist": "CHK",
    "vendor_certs": "VC",
    "vendor_answers": "VQA",
    "vendor_actions": "VA",
    "timeline": "TL",
    "notifications": "NTF",
}
KEYED_TABLES = ("soa", "clauses")
"""Registers keyed by catalog entries rather than by issued IDs."""
TABLES = (*ID_PREFIXES, *KEYED_TABLES)

YES_NO = ("Yes", "No")

FRAMEWORKS = (
    "ISO/IEC 27001:2022",
    "ISO/IEC 42001:2023",
    "EU AI Act",
    "NIST AI RMF 1.0",
)
CERT_STATUS = ("Certified", "In progress", "Not certified")
CLASSIFICATIONS = ("Public", "Internal", "Confidential", "Restricted")

PROFILE = Register(
    name="profile",
    title="Organisation profile",
    item="organisation profile",
    id_prefix="",
    sheet="Scope",
    singleton=True,
    title_field="organisation",
    fields=(
        Field("organisation", "Organisation", required=True, width=30,
              help="Legal or trading name as it appears on the ISMS certificate."),
        Field("sector", "Sector", width=24, help="e.g. Financial services, Health, Public sector."),
        Field("isms_scope", "Current ISMS scope statement", Kind.LONGTEXT, required=True, width=60,
              help="The scope statement as it stands today, before AI systems are added."),
        Field("certification_status", "Certification status", Kind.CHOICE, CERT_STATUS,
              required=True, width=16),
        Field("certification_body", "Certification body", width=24,
              required_when=RequiredWhen("certification_status", ("Certified",)),
              help="The accredited body that issued the certificate."),
        Field("certificate_issued", "Certificate issued", Kind.DATE, width=14,
              required_when=RequiredWhen("certification_status", ("Certified",)),
              help="Start of the three-year cycle; surveillance audits are planned from it."),
        Field("certificate_expiry", "Certificate expiry", Kind.DATE, width=14,
              required_when=RequiredWhen("certification_status", ("Certified",))),
        Field("last_external_audit", "Last certification-body audit", Kind.DATE, width=14,
              help="Date of the latest surveillance or certification audit; the Step 7 calendar "
                   "marks the audits up to it done and later past ones overdue."),
        Field("isms_owner", "ISMS owner", width=24,
              help="The person or role accountable for the ISMS; shown on the workbook cover."),
        Field("classification", "Classification of this assessment", Kind.CHOICE,
              CLASSIFICATIONS, width=14,
              help="Printed on the exported workbook; assessments are usually Confidential."),
        Field("frameworks", "Frameworks in scope", Kind.MULTICHOICE, FRAMEWORKS, width=40,
              always=("ISO/IEC 27001:2022",),
              help="ISO/IEC 27001:2022 is always in scope; add the AI frameworks you work to."),
    ),
)

AI_SYSTEMS = Register(
    name="ai_systems",
    title="AI systems",
    item="AI system",
    id_prefix=ID_PREFIXES["ai_systems"],
    sheet="AI Systems",
    id_header="AI System ID",
    fields=(
        Field("name", "Name", required=True, width=28, table_width=22, table_rank=1,
              help="A short name people in the organisation recognise."),
        Field("purpose", "Intended purpose", Kind.LONGTEXT, required=True, width=50, in_table=False,
              help="What the system is for and who relies on its outputs."),
        Field("business_owner", "Business owner", required=True, width=22, table_width=16,
              table_rank=6),
        Field("role", "Organisation's role", Kind.CHOICE,
              ("Provider", "Deployer", "Both", "Importer", "Distributor", "Authorised representative"),
              required=True, width=14, in_table=False,
              help="EU AI Act operator roles (Art. 3): provider builds it or places it on the "
                   "market under its name; deployer uses it; Both = provider and deployer; "
                   "importer, distributor and authorised representative (Art. 22-24) pass it on "
                   "or act for a provider outside the EU."),
        Field("provenance", "Provenance", Kind.CHOICE,
              ("Built in-house", "Fine-tuned third-party model", "Third-party API or SaaS"),
              required=True, width=26, table_width=16, table_rank=4),
        Field("model_provider", "Model provider and model", width=28, in_table=False,
              help="e.g. 'Mistral AI, Mistral Small 3' or 'in-house gradient boosting v4'."),
        Field("lifecycle", "Lifecycle phase", Kind.CHOICE,
              ("Problem definition", "Data", "Development", "Validation", "Deployment",
               "Monitoring", "Decommissioning"),
              required=True, width=18, in_table=False),
        Field("deployment", "Deployment", Kind.CHOICE, ("Internal", "Customer-facing"),
              required=True, width=16, in_table=False),
        Field("personal_data", "Personal data", Kind.CHOICE, YES_NO, required=True, width=10,
              table_width=8, table_rank=5, table_label="Personal"),
        Field("eu_ai_act", "EU AI Act risk class", Kind.CHOICE,
              ("Prohibited", "High", "Limited", "Minimal", "Not assessed"),
              required=True, width=14, table_width=10, table_rank=3, table_label="AI Act"),
        Field("in_scope", "In ISMS scope", Kind.CHOICE, ("Yes", "No", "Partial"),
              required=True, width=10, table_width=8, table_rank=2, table_label="In scope"),
        Field("scope_justification", "Scope justification", Kind.LONGTEXT, width=50, in_table=False,
              required_when=RequiredWhen("in_scope", ("No", "Partial")),
              help="Why the system is left out, or which part is in scope."),
    ),
)

CLASSIFICATION_FIELD = dict(choices=CLASSIFICATIONS, required=True, width=14, table_width=12,
                            table_rank=4, table_label="Class.")

ASSET_TYPES = (
    "Model", "Training dataset", "Evaluation dataset", "Inference endpoint or API",
    "Training pipeline", "Feature or vector store", "Prompt or system prompt", "Agent tool",
    "Third-party AI service", "Compute",
)
"""Display names of the catalogs' asset-type keys, in the same order as ASSET_TYPE_KEYS."""
ASSET_TYPE_KEYS = (
    "model", "training_data", "evaluation_data", "inference_api", "training_pipeline",
    "vector_store", "prompt", "agent_tool", "ai_service", "compute",
)


def _rating(key: str, label: str) -> Field:
    return Field(key, label, Kind.INTEGER, minimum=1, maximum=5, width=10, table_width=3,
                 table_rank=7, table_label=label[0], help=f"{label} rating, 1 (low) to 5 (high).")


ASSETS = Register(
    name="assets",
    title="AI assets",
    item="AI asset",
    id_prefix=ID_PREFIXES["assets"],
    sheet="AI Assets",
    id_header="Asset ID",
    fields=(
        Field("name", "Name", required=True, width=30, table_width=22, table_rank=1),
        Field("type", "Asset type", Kind.CHOICE, ASSET_TYPES, required=True, width=24,
              table_width=18, table_rank=2, table_label="Type"),
        Field("ai_systems", "AI systems", Kind.REFS, ref="ai_systems", width=18, table_width=12,
              table_rank=3, help="The AI systems this asset belongs to or serves."),
        Field("owner", "Owner", required=True, width=22, table_width=14, table_rank=5,
              help="The person or role accountable for the asset (A.5.9)."),
        Field("custodian", "Custodian", width=22, in_table=False,
              help="Who operates or looks after it day to day, e.g. the ML platform team."),
        Field("location", "Location or hosting", width=24, in_table=False,
              help="e.g. 'AWS eu-west-2 S3 bucket fraud-training', 'vendor EU region'."),
        Field("supplier", "Supplier", width=20, in_table=False,
              help="For third-party models, data or services: who supplies it."),
        Field("classification", "Classification", Kind.CHOICE, **CLASSIFICATION_FIELD),
        _rating("confidentiality", "Confidentiality"),
        _rating("integrity", "Integrity"),
        _rating("availability", "Availability"),
        Field("personal_data", "Personal data", Kind.CHOICE, YES_NO, required=True, width=10,
              in_table=False),
        Field("version", "Version", width=14, in_table=False),
        Field("notes", "Notes", Kind.LONGTEXT, width=40, in_table=False),
    ),
)

RISK_CATEGORIES = (
    "Training data security", "Model protection", "Adversarial robustness",
    "Inference security", "Supply chain", "Excessive agency", "Output integrity",
    "Unbounded consumption",
)
"""Display names of the threat catalog's category keys (the brief's five, then the catalog's extras)."""
CATEGORY_KEYS = (
    "training_data_security", "model_protection", "adversarial_robustness",
    "inference_security", "supply_chain", "excessive_agency", "output_integrity",
    "unbounded_consumption",
)
IMPACT_DIMENSIONS = ("Confidentiality", "Integrity", "Availability", "Safety", "Privacy")
IMPACT_KEYS = ("C", "I", "A", "safety", "privacy")
TREATMENT_STATUS = ("Not started", "In progress", "Done")


def _risk_rules(record: dict[str, Any], ctx: Any) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    method = ctx.method
    has_l = record.get("residual_likelihood") is not None
    has_i = record.get("residual_impact") is not None
    if has_l != has_i:
        key = "residual_impact" if has_l else "residual_likelihood"
        out.append((key, "Residual likelihood and impact are rated together: give both or neither."))
    if record.get("treatment") == "Modify" and not (record.get("planned_27001") or record.get("planned_42001")):
        out.append(("planned_27001", "Modify needs at least one planned control (ISO 27001 or ISO 42001)."))
    if scoring.acceptance_required(method, record):
        why = ("the treatment option is Retain" if record.get("treatment") == "Retain" else
               f"the remaining level is above the acceptance threshold "
               f"({method.get('acceptance_threshold')})")
        for key, label in (("accepted_by", "Accepted by"), ("accepted_on", "Accepted on")):
            if not record.get(key):
                out.append((key, f"{label} is required: the risk owner must accept this risk "
                                 f"because {why}."))
    return out


def _risk_derive(record: dict[str, Any], ctx: Any) -> None:
    scoring.derive(record, ctx.method)


def _scale(key: str, label: str, axis: str, required: bool = False, rank: int = 50) -> Field:
    return Field(key, label, Kind.SCALE, scale=axis, required=required, width=10, table_width=3,
                 in_table=False, table_rank=rank)


RISKS = Register(
    name="risks",
    title="Risks",
    item="risk",
    id_prefix=ID_PREFIXES["risks"],
    sheet="Risk Register",
    id_header="Risk ID",
    title_field="title",
    rules=(_risk_rules,),
    derive=_risk_derive,
    export_order=(
        # the auditor's core columns first (printed on the first page across) ...
        "title", "risk_owner", "category", "threat",
        "inherent_likelihood", "inherent_impact", "inherent_score", "inherent_level",
        "residual_likelihood", "residual_impact", "residual_score", "residual_level",
        "treatment", "planned_27001", "planned_42001", "treatment_status", "due_date",
        # ... then the details (grouped as an outline on the sheet, printed on the next pages)
        "scenario", "vulnerability", "assets", "ai_systems", "impact_dimensions",
        "existing_controls", "treatment_plan", "action_owner", "accepted_by", "accepted_on", "acceptance",
        "last_review", "next_review",
    ),
    fields=(
        Field("title", "Risk title", required=True, width=22, table_width=24, table_rank=1,
              help="A short name, e.g. 'Prompt injection in the support assistant'."),
        Field("scenario", "Risk scenario", Kind.LONGTEXT, required=True, width=50, in_table=False,
              help="One or two sentences: who or what could cause what, to which asset, with what effect."),
        Field("category", "AI risk category", Kind.CHOICE, RISK_CATEGORIES, required=True, width=14,
              table_width=14, table_rank=6, table_label="Category"),
        Field("threat", "Threat", Kind.REF, ref="threats", width=13, table_width=10, table_rank=5,
              help="From the threat catalog (OWASP ML / LLM Top 10, MITRE ATLAS)."),
        Field("vulnerability", "Vulnerability", width=30, in_table=False),
        Field("assets", "Affected assets", Kind.REFS, ref="assets", width=18, in_table=False),
        Field("ai_systems", "Affected AI systems", Kind.REFS, ref="ai_systems", width=18, in_table=False),
        Field("impact_dimensions", "Impact dimensions", Kind.MULTICHOICE, IMPACT_DIMENSIONS, width=24,
              in_table=False),
        Field("risk_owner", "Risk owner", required=True, width=14, table_width=14, table_rank=7,
              table_label="Owner"),
        Field("existing_controls", "Existing controls", Kind.LONGTEXT, width=40, in_table=False),
        _scale("inherent_likelihood", "Inherent likelihood", "likelihood", required=True),
        _scale("inherent_impact", "Inherent impact", "impact", required=True),
        Field("inherent_score", "Inherent score", Kind.INTEGER, derived=True, width=10, in_table=False),
        Field("inherent_level", "Inherent level", derived=True, width=10, table_width=9,
              table_rank=2, table_label="Inherent"),
        Field("treatment", "Treatment option", Kind.CHOICE, scoring.TREATMENTS, required=True, width=12,
              aliases=tuple(scoring.TREATMENT_ALIASES.items()),
              table_width=8, table_rank=4, table_label="Option",
              help="ISO/IEC 27005: Modify (mitigate), Retain (accept), Avoid, Share (transfer)."),
        Field("planned_27001", "Planned ISO 27001 controls", Kind.REFS, ref="iso27001", width=14,
              in_table=False, help="Annex A IDs separated by commas, e.g. A.8.24, A.5.15."),
        Field("planned_42001", "Planned ISO 42001 controls", Kind.REFS, ref="iso42001", width=14,
              in_table=False, help="ISO 42001 Annex A IDs separated by commas, e.g. A.6.2.4."),
        Field("treatment_plan", "Treatment plan", Kind.LONGTEXT, width=40, in_table=False),
        Field("action_owner", "Action owner", width=20, in_table=False),
        Field("due_date", "Due date", Kind.DATE, width=12, in_table=False),
        Field("treatment_status", "Treatment status", Kind.CHOICE, TREATMENT_STATUS, width=12,
              in_table=False),
        _scale("residual_likelihood", "Residual likelihood", "likelihood"),
        _scale("residual_impact", "Residual impact", "impact"),
        Field("residual_score", "Residual score", Kind.INTEGER, derived=True, width=10, in_table=False),
        Field("residual_level", "Residual level", derived=True, width=10, table_width=9,
              table_rank=3, table_label="Residual"),
        Field("accepted_by", "Accepted by", width=20, in_table=False,
              help="The risk owner's name, when the risk is retained or stays above the threshold "
                   "(an individual acceptance); other risks are accepted with the treatment plan."),
        Field("accepted_on", "Accepted on", Kind.DATE, width=12, in_table=False),
        Field("acceptance", "Residual risk acceptance", derived=True, width=44, in_table=False,
              help="ISO/IEC 27001 6.1.3 f: individually (above the threshold or Retain), "
                   "otherwise with the risk owner's approval of the treatment plan (Step 3, "
                   "risk method tab)."),
        Field("last_review", "Last review", Kind.DATE, width=12, in_table=False),
        Field("next_review", "Next review", Kind.DATE, width=12, in_table=False),
    ),
)

# --- Step 4: controls, Statement of Applicability, evidence ---------------------------------
CUSTOM_CONTROLS = Register(
    name="custom_controls",
    title="Custom AI controls",
    item="custom AI control",
    id_prefix=ID_PREFIXES["custom_controls"],
    sheet="Custom Controls",
    id_header="Control ID",
    title_field="title",
    fields=(
        Field("title", "Title", required=True, width=36, table_width=30, table_rank=1),
        Field("objective", "Objective", Kind.LONGTEXT, required=True, width=50, in_table=False,
              help="What the control achieves, in one or two sentences."),
        Field("mapped_27001", "Builds on ISO 27001 controls", Kind.REFS, ref="iso27001", width=24,
              table_width=20, table_rank=2, help="Annex A IDs separated by commas, e.g. A.8.16."),
        Field("source", "Source", width=24, table_width=16, table_rank=3,
              help="Where it comes from, e.g. 'EU AI Act Art. 14', 'NIST AI RMF MANAGE 2.3', 'internal'."),
    ),
)

SOA_APPLICABLE = ("Yes", "No", "Undecided")
SOA_REASONS = ("Risk treatment", "Legal or regulatory", "Contractual",
               "Business requirement or best practice")
SOA_STATUS = ("Not implemented", "Planned", "Partially implemented", "Implemented")

def _soa_rules(record: dict[str, Any], ctx: Any) -> list[tuple[str, str]]:
    status = record.get("status")
    if record.get("applicable") == "No" and status not in (None, "", "Not implemented"):
        return [("status", f"{record.get('id')} is excluded (Applicable: No) but its status is "
                           f"{status}: set the status to Not implemented, or make it applicable.")]
    return []


SOA = Register(
    name="soa",
    title="Statement of Applicability",
    item="SoA row",
    id_prefix="",
    sheet="SoA",
    id_header="Control ID",
    title_field="title",
    keyed=True,
    rules=(_soa_rules,),
    fields=(
        Field("framework", "Framework", derived=True, width=16, table_width=6, table_rank=8,
              table_label="Fw"),
        Field("title", "Control title", derived=True, width=34, table_width=26, table_rank=1,
              table_label="Control"),
        Field("theme", "Theme", derived=True, width=14, in_table=False),
        Field("ai_relevance", "AI relevance", derived=True, width=10, table_width=6, table_rank=6,
              table_label="AI"),
        Field("applicable", "Applicable", Kind.CHOICE, SOA_APPLICABLE, width=11, table_width=9,
              table_rank=2, table_label="Appl.",
              colours=colour_map(SOA_APPLICABLE, ("green", "grey", "yellow")),
              help="Undecided until you decide; a control a risk relies on counts as applicable."),
        Field("reasons", "Reasons for inclusion", Kind.MULTICHOICE, SOA_REASONS, width=24,
              in_table=False),
        Field("justification_inclusion", "Justification for inclusion", Kind.LONGTEXT, width=40,
              in_table=False, required_when=RequiredWhen("applicable", ("Yes",))),
        Field("justification_exclusion", "Justification for exclusion", Kind.LONGTEXT, width=40,
              in_table=False, required_when=RequiredWhen("applicable", ("No",))),
        Field("status", "Implementation status", Kind.CHOICE, SOA_STATUS, width=20, table_width=12,
              table_rank=3, table_label="Status",
              colours=colour_map(SOA_STATUS, ("red", "orange", "yellow", "green"))),
        Field("how", "How it is implemented", Kind.LONGTEXT, width=50, in_table=False),
        Field("ai_extension", "How it is extended to AI", Kind.LONGTEXT, width=64, in_table=False,
              help="Prefilled from the catalog's AI guidance; edit it to say what you actually do."),
        Field("owner", "Control owner", width=20, table_width=12, table_rank=7, table_label="Owner"),
        Field("target_date", "Target date", Kind.DATE, width=12, in_table=False),
        Field("policy_refs", "Policy and procedure references", Kind.REFS, ref="documents", width=24,
              in_table=False, help="Documents from the Step 5 register (DOC-001 …)."),
        Field("evidence_refs", "Evidence", Kind.REFS, ref="evidence", width=20, table_width=10,
              table_rank=5, table_label="Evidence"),
        Field("linked_risks", "Linked risks", Kind.REFS, derived=True, width=20, table_width=10,
              table_rank=4, table_label="Risks"),
    ),
)

CLAUSE_STATUS = ("Not addressed", "Partially addressed", "Addressed")
CLAUSES = Register(
    name="clauses",
    title="Mandatory clauses",
    item="clause",
    id_prefix="",
    sheet="Mandatory Clauses",
    id_header="Clause",
    title_field="title",
    keyed=True,
    fields=(
        Field("title", "Title", derived=True, width=40, table_width=30, table_rank=1),
        Field("status", "Status", Kind.CHOICE, CLAUSE_STATUS, width=18, table_width=12, table_rank=2,
              colours=colour_map(CLAUSE_STATUS, ("red", "yellow", "green"))),
        Field("ai_update", "What changes for AI", Kind.LONGTEXT, width=50, in_table=False,
              help="Prefilled from the catalog; say what the ISMS now does."),
        Field("references", "Documents and evidence", width=30, table_width=20, table_rank=3,
              table_label="References"),
        Field("owner", "Owner", width=18, table_width=12, table_rank=4),
    ),
)

EVIDENCE_TYPES = ("Policy", "Procedure", "Record", "Configuration", "Screenshot", "Log",
                  "Test report", "Interview note", "Certificate")
EVIDENCE = Register(
    name="evidence",
    title="Evidence",
    item="evidence item",
    id_prefix=ID_PREFIXES["evidence"],
    sheet="Evidence Register",
    id_header="Evidence ID",
    title_field="title",
    fields=(
        Field("title", "Title", required=True, width=32, table_width=24, table_rank=1),
        Field("type", "Type", Kind.CHOICE, EVIDENCE_TYPES, required=True, width=16, table_width=12,
              table_rank=3),
        Field("location", "Location (file path or URL)", required=True, width=40, table_width=20,
              table_rank=6, table_label="Location", max_length=1000,
              help="A local file is hashed (SHA-256) so a later change is noticed; or a URL."),
        Field("sha256", "SHA-256", derived=True, width=20, in_table=False),
        Field("size", "Size (bytes)", Kind.INTEGER, derived=True, width=12, in_table=False),
        Field("collected_by", "Collected by", width=18, in_table=False),
        Field("collected_on", "Collected on", Kind.DATE, width=12, in_table=False),
        Field("valid_until", "Valid until", Kind.DATE, width=12, table_width=10, table_rank=4,
              table_label="Valid to"),
        Field("controls", "Controls", Kind.REFS, ref="soa", width=24, table_width=14, table_rank=2,
              help="SoA control IDs, e.g. A.8.24, 42001:A.6.2.4, AIC-001."),
        Field("risks", "Risks", Kind.REFS, ref="risks", width=14, table_width=10, table_rank=5),
        Field("notes", "Notes", Kind.LONGTEXT, width=40, in_table=False),
    ),
)

# --- Step 5: documentation ----------------------------------------------------------------------
DOC_STATUS = ("Not started", "Drafting", "In review", "Approved", "Published")
DOCUMENTS = Register(
    name="documents",
    title="Documents",
    item="document",
    id_prefix=ID_PREFIXES["documents"],
    sheet="Document Register",
    id_header="Document ID",
    title_field="title",
    fields=(
        Field("title", "Title", required=True, width=34, table_width=26, table_rank=1),
        Field("reference", "Clause or control", width=20, table_width=14, table_rank=4,
              table_label="Reference", help="ISO 27001 clauses and controls it answers, e.g. 5.2, A.5.1."),
        Field("catalog_ref", "Catalog entry", width=10, in_table=False,
              help="The ISMS-documents catalog entry it came from (e.g. ISD-02), if any."),
        Field("owner", "Owner", required=True, width=18, table_width=12, table_rank=5),
        Field("version", "Current version", width=10, table_width=7, table_rank=6, table_label="Version"),
        Field("ai_changes", "What must change for AI", Kind.LONGTEXT, width=60, in_table=False,
              max_length=8000,
              help="One change per line; mark a line done by starting it with [x] instead of [ ]."),
        Field("ai_progress", "AI changes done", derived=True, width=10, table_width=7, table_rank=3,
              table_label="AI done"),
        Field("status", "Status", Kind.CHOICE, DOC_STATUS, required=True, width=12, table_width=11,
              table_rank=2, colours=colour_map(DOC_STATUS, ("red", "orange", "yellow", "green", "green"))),
        Field("next_review", "Next review", Kind.DATE, width=12, in_table=False),
        Field("approved_by", "Approved by", width=18, in_table=False,
              required_when=RequiredWhen("status", ("Approved", "Published"))),
        Field("approved_on", "Approved on", Kind.DATE, width=12, in_table=False,
              required_when=RequiredWhen("status", ("Approved", "Published"))),
        Field("evidence", "Linked evidence", Kind.REFS, ref="evidence", width=16, in_table=False),
    ),
)

# --- Step 6: training ----------------------------------------------------------------------------
FREQUENCIES = ("Once", "Annual", "Twice a year", "On change")
TRAINING = Register(
    name="training",
    title="Training modules",
    item="training module",
    id_prefix=ID_PREFIXES["training"],
    sheet="Training Plan",
    id_header="Module ID",
    title_field="title",
    fields=(
        Field("title", "Title", required=True, width=36, table_width=28, table_rank=1),
        Field("audience", "Audience (roles)", Kind.REFS, ref="roles", width=28, table_width=20,
              table_rank=2, table_label="Audience"),
        Field("topics", "Topics", Kind.LONGTEXT, width=50, in_table=False),
        Field("catalog_ref", "Catalog entry", width=10, in_table=False),
        Field("duration_hours", "Hours", Kind.INTEGER, minimum=0, maximum=200, width=7, table_width=5,
              table_rank=5),
        Field("frequency", "Frequency", Kind.CHOICE, FREQUENCIES, required=True, width=12,
              table_width=10, table_rank=4),
        Field("controls", "Linked controls", width=20, in_table=False,
              help="ISO 27001 / 42001 references, e.g. A.6.3, 7.2, 42001 A.4.6."),
        Field("evaluation_method", "Effectiveness evaluation method", width=30, in_table=False,
              help="How you check the training worked (clause 7.2): quiz, phishing-style test, "
                   "observed exercise, incident metrics…"),
        Field("evaluated_on", "Evaluated on", Kind.DATE, width=12, in_table=False),
        Field("evaluation_result", "Evaluation result", Kind.CHOICE,
              ("Effective", "Partly effective", "Not effective"), width=16, table_width=10,
              table_rank=3, table_label="Effective?",
              colours=colour_map(("Effective", "Partly effective", "Not effective"),
                                 ("green", "yellow", "red"))),
        Field("evaluation_notes", "Evaluation notes", Kind.LONGTEXT, width=40, in_table=False),
    ),
)

PEOPLE = Register(
    name="people",
    title="People",
    item="person",
    id_prefix=ID_PREFIXES["people"],
    sheet="People",
    id_header="Person ID",
    fields=(
        Field("name", "Name", required=True, width=24, table_width=22, table_rank=1),
        Field("role", "Role", Kind.REF, ref="roles", required=True, width=20, table_width=18, table_rank=2,
              help="Training is assigned by role, from the training catalog's roles."),
        Field("team", "Team", width=18, table_width=14, table_rank=3),
        Field("email", "E-mail", width=26, in_table=False),
    ),
)

ASSIGNMENT_RESULTS = ("Passed", "Failed", "Attended", "Excused")
ASSIGNMENTS = Register(
    name="assignments",
    title="Training records",
    item="training record",
    id_prefix=ID_PREFIXES["assignments"],
    sheet="Training Records",
    id_header="Record ID",
    title_field="module",
    fields=(
        Field("person", "Person", Kind.REF, ref="people", required=True, width=20, table_width=18,
              table_rank=1),
        Field("module", "Module", Kind.REF, ref="training", required=True, width=14, table_width=16,
              table_rank=2),
        Field("due", "Due", Kind.DATE, required=True, width=12, table_width=10, table_rank=3),
        Field("completed", "Completed on", Kind.DATE, width=12, table_width=10, table_rank=4,
              table_label="Done"),
        Field("result", "Result", Kind.CHOICE, ASSIGNMENT_RESULTS, width=10, table_width=8,
              table_rank=5, required_when=None),
        Field("evidence", "Evidence", Kind.REFS, ref="evidence", width=14, in_table=False),
        Field("state", "State", derived=True, width=10, table_width=8, table_rank=0,
              colours=colour_map(("Done", "Due", "Overdue"), ("green", "yellow", "red"))),
    ),
)

# --- Step 7: internal audit and surveillance ------------------------------------------------------
AUDIT_STATUS = ("Planned", "In progress", "Reported", "Closed")


RULE_HOOKS: dict[str, Any] = {}
"""Rules whose logic lives above the registers (they need the SoA), by name; the domain module
that owns the logic fills its entry when imported (``aigov_tui.core`` imports them all), so the
declarations never import back up. ``audit_independence``: (record, context) -> messages."""


def _audit_rules(record: dict[str, Any], ctx: Any) -> list[tuple[str, str]]:
    check = RULE_HOOKS.get("audit_independence")
    return [("team", m) for m in check(record, ctx)] if check else []

AUDITS = Register(
    name="audits",
    title="Audits",
    item="audit",
    id_prefix=ID_PREFIXES["audits"],
    sheet="Audit Programme",
    id_header="Audit ID",
    title_field="title",
    rules=(_audit_rules,),
    fields=(
        Field("title", "Title", required=True, width=30, table_width=24, table_rank=1),
        Field("scope_systems", "AI systems in scope", Kind.REFS, ref="ai_systems", width=20,
              table_width=14, table_rank=4, table_label="Systems"),
        Field("scope_controls", "Controls in scope", Kind.REFS, ref="soa", width=30, in_table=False,
              help="SoA control IDs separated by commas; blank: the checklist takes every applicable "
                   "AI-relevant control."),
        Field("scope_clauses", "Clauses in scope", width=20, in_table=False, help="e.g. 6.1.2, 9.2"),
        Field("criteria", "Audit criteria", Kind.LONGTEXT, width=40, in_table=False,
              help="e.g. ISO/IEC 27001:2022, ISO/IEC 42001:2023, the AI policy."),
        Field("lead", "Lead auditor", required=True, width=18, table_width=12, table_rank=3),
        Field("team", "Audit team", width=24, in_table=False, help="Names separated by commas."),
        Field("start", "Planned start", Kind.DATE, required=True, width=12, table_width=10, table_rank=2,
              table_label="Start"),
        Field("end", "Planned end", Kind.DATE, width=12, in_table=False),
        Field("status", "Status", Kind.CHOICE, AUDIT_STATUS, required=True, width=12, table_width=10,
              table_rank=5, colours=colour_map(AUDIT_STATUS, ("grey", "yellow", "blue", "green"))),
    ),
)

CHECK_RESULTS = ("Conforming", "Major nonconformity", "Minor nonconformity", "Observation",
                 "Opportunity for improvement", "Not audited")
CHECKLIST = Register(
    name="checklist",
    title="Audit checklist",
    item="checklist item",
    id_prefix=ID_PREFIXES["checklist"],
    sheet="Audit Checklist",
    id_header="Item ID",
    title_field="question",
    fields=(
        Field("audit", "Audit", Kind.REF, ref="audits", required=True, width=10, table_width=8,
              table_rank=4),
        Field("control", "Control or clause", required=True, width=14, table_width=10, table_rank=3,
              table_label="Control"),
        Field("question", "Question", Kind.LONGTEXT, required=True, width=50, table_width=30,
              table_rank=1),
        Field("evidence_expected", "Evidence expected", Kind.LONGTEXT, width=40, in_table=False),
        Field("result", "Result", Kind.CHOICE, CHECK_RESULTS, required=True, width=22, table_width=12,
              table_rank=2, colours=colour_map(CHECK_RESULTS, ("green", "red", "orange", "yellow",
                                                               "blue", "grey"))),
        Field("evidence_seen", "Objective evidence seen", Kind.LONGTEXT, width=40, in_table=False,
              required_when=RequiredWhen("result", CHECK_RESULTS[:5])),
        Field("notes", "Notes", Kind.LONGTEXT, width=30, in_table=False),
    ),
)

FINDING_GRADES = ("Major nonconformity", "Minor nonconformity", "Observation",
                  "Opportunity for improvement")
FINDING_STATUS = ("Open", "Action in progress", "Awaiting effectiveness check", "Closed")
NONCONFORMITIES = FINDING_GRADES[:2]
CAPA_FIELDS = (("correction", "Correction"), ("root_cause", "Root cause"),
               ("corrective_action", "Corrective action"),
               ("effectiveness_on", "Effectiveness checked on"),
               ("effectiveness_result", "Effectiveness result"))


def _finding_rules(record: dict[str, Any], ctx: Any) -> list[tuple[str, str]]:
    """ISO 27001 10.2: a nonconformity is closed once corrected, its cause found, corrective
    action taken and that action checked to be effective. Observations and opportunities for
    improvement may close without them."""
    if record.get("status") != "Closed" or record.get("grade") not in NONCONFORMITIES:
        return []
    out = [(key, f"{label} is required to close a nonconformity (ISO 27001 10.2).")
           for key, label in CAPA_FIELDS if not record.get(key)]
    if record.get("effectiveness_result") == "Not effective":
        out.append(("effectiveness_result", "The corrective action was not effective: take further "
                                            "action before closing (ISO 27001 10.2)."))
    return out


FINDINGS = Register(
    name="findings",
    title="Findings",
    item="finding",
    id_prefix=ID_PREFIXES["findings"],
    sheet="Findings & CAPA",
    id_header="Finding ID",
    title_field="requirement",
    rules=(_finding_rules,),
    fields=(
        Field("audit", "Audit", Kind.REF, ref="audits", required=True, width=10, table_width=8,
              table_rank=4),
        Field("item", "Checklist item", Kind.REF, ref="checklist", width=10, in_table=False),
        Field("grade", "Grade", Kind.CHOICE, FINDING_GRADES, required=True, width=16, table_width=12,
              table_rank=2, colours=colour_map(FINDING_GRADES, ("red", "orange", "yellow", "blue"))),
        Field("requirement", "Requirement", required=True, width=14, table_width=14, table_rank=1,
              help="The clause or control not met, e.g. A.8.24 or 6.1.3 d)."),
        Field("statement", "Nonconformity statement", Kind.LONGTEXT, required=True, width=30,
              in_table=False),
        Field("objective_evidence", "Objective evidence", Kind.LONGTEXT, required=True, width=24,
              in_table=False),
        Field("correction", "Correction", Kind.LONGTEXT, width=24, in_table=False),
        Field("root_cause", "Root cause", Kind.LONGTEXT, width=24, in_table=False),
        Field("corrective_action", "Corrective action", Kind.LONGTEXT, width=26, in_table=False),
        Field("owner", "Action owner", width=14, table_width=12, table_rank=5),
        Field("due", "Due date", Kind.DATE, width=12, table_width=10, table_rank=6),
        Field("status", "Status", Kind.CHOICE, FINDING_STATUS, required=True, width=16,
              table_width=12, table_rank=3,
              colours=colour_map(FINDING_STATUS, ("orange", "yellow", "blue", "green"))),
        Field("effectiveness_by", "Effectiveness checked by", width=18, in_table=False),
        Field("effectiveness_on", "Effectiveness checked on", Kind.DATE, width=12, in_table=False),
        Field("effectiveness_result", "Effectiveness result", Kind.CHOICE, ("Effective", "Not effective"),
              width=14, in_table=False,
              colours=colour_map(("Effective", "Not effective"), ("green", "red"))),
        Field("closed_on", "Closed on", Kind.DATE, width=12, in_table=False,
              required_when=RequiredWhen("status", ("Closed",))),
        Field("overdue", "Overdue", derived=True, width=8, table_width=7, table_rank=7,
              colours=(("Overdue", "red"),)),
    ),
)

# --- AI vendors (ISO 27001 A.5.19-A.5.23, ISO 42001 A.10.2-A.10.3) ---------------------------
VENDOR_SUPPLIES = ("Models", "Training data", "AI APIs or SaaS", "Infrastructure or compute",
                   "Labelling or annotation", "Other")
CRITICALITY = ("Low", "Medium", "High", "Critical")
DPA_CHOICES = ("Yes", "No", "n.a.")
VENDORS = Register(
    name="vendors",
    title="AI vendors",
    item="AI vendor",
    id_prefix=ID_PREFIXES["vendors"],
    sheet="Vendors",
    id_header="Vendor ID",
    fields=(
        Field("name", "Name", required=True, width=26, table_width=20, table_rank=1),
        Field("service", "Service supplied", required=True, width=30, in_table=False,
              help="What they provide to you, e.g. 'hosted LLM API for the support assistant'."),
        Field("supplies", "What they supply", Kind.MULTICHOICE, VENDOR_SUPPLIES, width=28,
              in_table=False),
        Field("criticality", "Criticality", Kind.CHOICE, CRITICALITY, required=True, width=11,
              table_width=8, table_rank=3, table_label="Crit."),
        Field("data_classification", "Data shared (classification)", Kind.CHOICE, CLASSIFICATIONS,
              width=14, in_table=False),
        Field("personal_data", "Personal data shared", Kind.CHOICE, YES_NO, required=True, width=10,
              in_table=False),
        Field("contract_ref", "Contract reference", width=18, in_table=False),
        Field("contract_date", "Contract date", Kind.DATE, width=12, in_table=False),
        Field("dpa", "Data-processing agreement", Kind.CHOICE, DPA_CHOICES, width=10, in_table=False,
              help="GDPR Art. 28 agreement in place: Yes, No, or n.a. when no personal data is shared."),
        Field("ai_systems", "Linked AI systems", Kind.REFS, ref="ai_systems", width=16, in_table=False),
        Field("assets", "Linked assets", Kind.REFS, ref="assets", width=16, in_table=False),
        Field("risks", "Linked risks", Kind.REFS, ref="risks", width=16, in_table=False,
              help="Supply-chain risks this vendor bears on; a poor rating suggests raising their likelihood."),
        Field("owner", "Owner", required=True, width=18, table_width=12, table_rank=6),
        Field("next_review", "Next review", Kind.DATE, width=12, table_width=10, table_rank=7,
              table_label="Review"),
        Field("notes", "Notes", Kind.LONGTEXT, width=40, in_table=False),
        Field("score", "Score %", derived=True, width=8, table_width=6, table_rank=2,
              table_label="Score"),
        Field("rating", "Rating", derived=True, width=14, table_width=13, table_rank=2),
        Field("flags", "Flags", derived=True, width=40, table_width=18, table_rank=4),
    ),
)

VENDOR_CERTS = Register(
    name="vendor_certs",
    title="Vendor certifications",
    item="vendor certification",
    id_prefix=ID_PREFIXES["vendor_certs"],
    sheet="Vendor Certifications",
    id_header="Cert ID",
    title_field="certification",
    fields=(
        Field("vendor", "Vendor", Kind.REF, ref="vendors", required=True, width=10, table_width=14,
              table_rank=3),
        Field("certification", "Certification", Kind.REF, ref="vendor_certifications", required=True,
              width=22, table_width=16, table_rank=1,
              help="ISO 27001, ISO 42001, SOC 2 Type II … from the questionnaire catalog."),
        Field("other_name", "Name (for Other)", width=20, in_table=False,
              required_when=RequiredWhen("certification", ("other",))),
        Field("issued", "Issued or report period end", Kind.DATE, width=12, table_width=10,
              table_rank=5, table_label="Issued"),
        Field("expiry", "Expiry", Kind.DATE, required=True, width=12, table_width=10, table_rank=2,
              help="Certificate expiry, or for a SOC 2 report the date it stops being current "
                   "(usually 12 months after the period end)."),
        Field("scope", "Scope covers the AI service", Kind.CHOICE, YES_NO, width=8, in_table=False),
        Field("evidence", "Evidence", Kind.REFS, ref="evidence", width=12, in_table=False),
        Field("state", "State", derived=True, width=14, table_width=12, table_rank=4),
    ),
)

VENDOR_ANSWERS = Register(
    name="vendor_answers",
    title="Vendor answers",
    item="vendor answer",
    id_prefix=ID_PREFIXES["vendor_answers"],
    sheet="Vendor Assessment",
    id_header="Answer ID",
    title_field="question",
    fields=(
        Field("vendor", "Vendor", Kind.REF, ref="vendors", required=True, width=10, in_table=False),
        Field("question", "Question", Kind.REF, ref="vendor_questions", required=True, width=10,
              table_width=7, table_rank=1, table_label="Q"),
        Field("text", "Question text", derived=True, width=60, table_width=40, table_rank=4,
              table_label="Question"),
        Field("answer", "Answer", Kind.REF, ref="vendor_answer_scale", width=24, table_width=18,
              table_rank=2, help="From the catalog's answer scale; leave empty while unanswered "
                                 "(unanswered questions are never scored)."),
        Field("comment", "Evidence or comment", Kind.LONGTEXT, width=40, in_table=False,
              required_when=RequiredWhen("answer", ("NA",)),
              help="What the vendor showed you; for N/A, why the question does not apply."),
        Field("weight", "Weight", derived=True, width=8, table_width=4, table_rank=5, table_label="W"),
        Field("score", "Score", derived=True, width=8, table_width=6, table_rank=3),
    ),
)

ACTION_STATUS = ("Open", "In progress", "Done")
VENDOR_ACTIONS = Register(
    name="vendor_actions",
    title="Vendor actions",
    item="vendor follow-up action",
    id_prefix=ID_PREFIXES["vendor_actions"],
    sheet="Vendor Actions",
    id_header="Action ID",
    title_field="action",
    fields=(
        Field("vendor", "Vendor", Kind.REF, ref="vendors", required=True, width=10, table_width=14,
              table_rank=3),
        Field("action", "Action", Kind.LONGTEXT, required=True, width=44, table_width=30, table_rank=1),
        Field("owner", "Owner", required=True, width=18, table_width=12, table_rank=4),
        Field("due", "Due date", Kind.DATE, required=True, width=12, table_width=10, table_rank=2),
        Field("status", "Status", Kind.CHOICE, ACTION_STATUS, required=True, width=12, table_width=11,
              table_rank=5),
        Field("overdue", "Overdue", derived=True, width=8, table_width=7, table_rank=6),
    ),
)

# --- AI incidents (ISO 27001 A.5.24-A.5.28, A.6.8; ISO 42001 A.8.4; EU AI Act Art. 73) ---------
INCIDENT_STATUS = ("New", "Triaged", "Contained", "Eradicated", "Recovered", "Closed")
SEVERITIES = ("Low", "Medium", "High", "Critical")
SERIOUS_INCIDENT = ("No", "Yes", "Yes, a person died",
                    "Yes, widespread infringement or critical infrastructure disruption")
DATETIME_HELP = "Local time written YYYY-MM-DD HH:MM, e.g. 2026-11-30 14:05."


def _hook(name: str) -> Any:
    """A rule that lives in a domain module above this one (it plugs itself in when imported)."""
    def rule(record: dict[str, Any], ctx: Any) -> list[tuple[str, str]]:
        check = RULE_HOOKS.get(name)
        return check(record, ctx) if check else []
    rule.__name__ = f"_{name}"
    return rule


_incident_rules = _hook("incident_rules")
_notification_rules = _hook("notification_rules")
_timeline_rules = _hook("timeline_rules")


INCIDENTS = Register(
    name="incidents",
    title="AI incidents",
    item="AI incident",
    id_prefix=ID_PREFIXES["incidents"],
    sheet="Incidents",
    id_header="Incident ID",
    title_field="title",
    rules=(_incident_rules,),
    fields=(
        Field("title", "Title", required=True, width=30, table_width=22, table_rank=1),
        Field("description", "Description", Kind.LONGTEXT, required=True, width=50, in_table=False),
        Field("detected_at", "Detected at", required=True, width=16, table_width=16, table_rank=6,
              table_label="Detected", max_length=16, help=DATETIME_HELP),
        Field("aware_at", "Became aware at", width=16, in_table=False, max_length=16,
              help="When the organisation became aware it is a reportable incident; the legal "
                   "clocks start here (detection time when empty). " + DATETIME_HELP),
        Field("reported_by", "Reported by", width=18, in_table=False),
        Field("type", "Incident type", Kind.REF, ref="incident_types", width=12, in_table=False,
              help="From the AI incident-type catalog (AIT-01 …)."),
        Field("ai_systems", "Affected AI systems", Kind.REFS, ref="ai_systems", width=16,
              in_table=False),
        Field("assets", "Affected assets", Kind.REFS, ref="assets", width=16, in_table=False),
        Field("severity", "Severity", Kind.CHOICE, SEVERITIES, required=True, width=10,
              table_width=8, table_rank=3, table_label="Sev."),
        Field("status", "Status", Kind.CHOICE, INCIDENT_STATUS, required=True, width=12,
              table_width=10, table_rank=2),
        Field("isms_ref", "ISMS incident reference", width=16, in_table=False),
        Field("personal_data", "Personal data involved", Kind.CHOICE, YES_NO, required=True, width=8,
              in_table=False),
        Field("gdpr_role", "GDPR role for that data", Kind.CHOICE, ("Controller", "Processor"),
              width=10, in_table=False, required_when=RequiredWhen("personal_data", ("Yes",))),
        Field("high_risk_to_people", "High risk to the people concerned", Kind.CHOICE, YES_NO,
              width=8, in_table=False, help="GDPR Art. 34: they must then be told."),
        Field("nis2_significant", "Significant incident (NIS2 Art. 23(3))", Kind.CHOICE, YES_NO,
              width=8, in_table=False),
        Field("dora_major", "Major ICT-related incident (DORA Art. 18)", Kind.CHOICE, YES_NO,
              width=8, in_table=False),
        Field("classified_at", "Classified as major at", width=16, in_table=False, max_length=16,
              help="DORA: the 4-hour clock runs from classification. " + DATETIME_HELP),
        Field("serious_incident", "Serious incident (EU AI Act Art. 3(49))", Kind.CHOICE,
              SERIOUS_INCIDENT, width=20, in_table=False),
        Field("risks", "Linked risks", Kind.REFS, ref="risks", width=14, in_table=False),
        Field("controls", "Linked controls", Kind.REFS, ref="soa", width=16, in_table=False),
        Field("root_cause", "Root cause", Kind.LONGTEXT, width=40, in_table=False,
              required_when=RequiredWhen("status", ("Closed",))),
        Field("lessons", "Lessons learned (A.5.27)", Kind.LONGTEXT, width=40, in_table=False,
              required_when=RequiredWhen("status", ("Closed",))),
        Field("follow_up_risks", "Follow-up: new or re-rated risks", Kind.REFS, ref="risks", width=14,
              in_table=False),
        Field("follow_up_findings", "Follow-up: findings", Kind.REFS, ref="findings", width=14,
              in_table=False),
        Field("evidence", "Evidence collected (A.5.28)", Kind.REFS, ref="evidence", width=14,
              in_table=False),
        Field("closed_at", "Closed at", width=16, in_table=False, max_length=16,
              required_when=RequiredWhen("status", ("Closed",)), help=DATETIME_HELP),
        Field("obligations", "Notifications", derived=True, width=24, table_width=18, table_rank=4,
              table_label="Notifications"),
    ),
)

TIMELINE = Register(
    name="timeline",
    title="Incident timeline",
    item="timeline entry",
    id_prefix=ID_PREFIXES["timeline"],
    sheet="Incident Timeline",
    id_header="Entry ID",
    title_field="entry",
    rules=(_timeline_rules,),
    fields=(
        Field("incident", "Incident", Kind.REF, ref="incidents", required=True, width=10,
              table_width=8, table_rank=3),
        Field("at", "At", required=True, width=16, table_width=16, table_rank=2, max_length=16,
              help=DATETIME_HELP),
        Field("entry", "What happened or was done", Kind.LONGTEXT, required=True, width=60,
              table_width=40, table_rank=1, table_label="Entry"),
        Field("by", "By", width=16, table_width=12, table_rank=4),
    ),
)

NOTIFICATION_BASIS = ("Applies", "Added", "Waived")
NOTIFICATIONS = Register(
    name="notifications",
    title="Notifications",
    item="notification obligation",
    id_prefix=ID_PREFIXES["notifications"],
    sheet="Notifications",
    id_header="Obligation ID",
    title_field="regime",
    rules=(_notification_rules,),
    fields=(
        Field("incident", "Incident", Kind.REF, ref="incidents", required=True, width=10,
              table_width=8, table_rank=4),
        Field("regime", "Obligation", Kind.REF, ref="notification_regimes", required=True, width=20,
              table_width=22, table_rank=1,
              help="From the incident-type catalog's notification regimes (GDPR, NIS2, DORA, EU AI Act)."),
        Field("basis", "Basis", Kind.CHOICE, NOTIFICATION_BASIS, required=True, width=9,
              table_width=8, table_rank=6,
              help="Applies (computed from the profile and the incident), Added by you, or Waived."),
        Field("reason", "Reason (added or waived)", Kind.LONGTEXT, width=36, in_table=False,
              required_when=RequiredWhen("basis", ("Added", "Waived"))),
        Field("met_at", "Met at", width=16, table_width=16, table_rank=5, max_length=16,
              help="When the notification was sent. " + DATETIME_HELP),
        Field("reference", "Notification reference", width=20, in_table=False,
              help="The authority's case number or your message reference."),
        Field("notes", "Notes", Kind.LONGTEXT, width=30, in_table=False),
        Field("deadline", "Deadline", derived=True, width=16, table_width=16, table_rank=2),
        Field("state", "State", derived=True, width=10, table_width=9, table_rank=3),
    ),
)

REGISTERS: dict[str, Register] = {r.name: r for r in (
    AI_SYSTEMS, ASSETS, RISKS, CUSTOM_CONTROLS, EVIDENCE, DOCUMENTS, TRAINING, PEOPLE, ASSIGNMENTS,
    AUDITS, CHECKLIST, FINDINGS, VENDORS, VENDOR_CERTS, VENDOR_ANSWERS, VENDOR_ACTIONS, INCIDENTS,
    TIMELINE, NOTIFICATIONS)}
"""Registers with issued IDs, by table name. Later steps add theirs here."""
OWNED: dict[str, tuple[tuple[str, str], ...]] = {
    "vendors": (("vendor_answers", "vendor"), ("vendor_certs", "vendor"), ("vendor_actions", "vendor")),
    "incidents": (("timeline", "incident"), ("notifications", "incident")),
}
"""Records that belong to another (register, reference field): deleted with their owner."""
KEYED_REGISTERS: dict[str, Register] = {r.name: r for r in (SOA, CLAUSES)}
"""Registers with a declaration, by table name. Later steps add theirs here."""

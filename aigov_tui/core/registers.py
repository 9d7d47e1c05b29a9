"""The register declarations of an assessment.

Each register is declared once here. Forms, tables, validation, export sheets and import
parsers all read these declarations.
"""

from __future__ import annotations

from .schema import Field, Kind, Register, RequiredWhen

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
}

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
        Field("role", "Organisation's role", Kind.CHOICE, ("Provider", "Deployer", "Both"),
              required=True, width=14, in_table=False,
              help="EU AI Act roles: provider builds or places it on the market; deployer uses it."),
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
              table_width=8, table_rank=5, table_label="Pers.data"),
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

REGISTERS: dict[str, Register] = {r.name: r for r in (AI_SYSTEMS,)}
"""Registers with a declaration, by table name. Later steps add theirs here."""

"""A realistic demo assessment for a fictional organisation (Fernhill Payments Ltd)."""

from __future__ import annotations

import datetime as _dt

from .model import Assessment, add_record, update_profile
from .registers import AI_SYSTEMS
from .demo_vendors import add_demo_vendors_and_incidents
from .scope import draft_addendum, set_addendum

DEMO_PROFILE = {
    "organisation": "Fernhill Payments Ltd",
    "sector": "Financial services (card payments and SME lending)",
    "isms_scope": (
        "The ISMS covers the provision of card-payment processing and SME lending services from "
        "the London and Leeds offices and the company's AWS eu-west-2 production environment, "
        "including the supporting people, processes and technology."
    ),
    "certification_status": "Certified",
    "certification_body": "Example Certification Ltd (fictional)",
    "certificate_issued": "2024-05-14",
    "certificate_expiry": "2027-05-13",
    "isms_owner": "Chief Information Security Officer",
    "classification": "Confidential",
    "frameworks": ["ISO/IEC 27001:2022", "ISO/IEC 42001:2023", "EU AI Act"],
}

DEMO_SYSTEMS = [
    {
        "name": "Fraud scoring model",
        "purpose": "Scores every card transaction for fraud in real time; analysts review "
                   "transactions above the threshold before funds are released.",
        "business_owner": "Head of Financial Crime",
        "role": "Both",
        "provenance": "Built in-house",
        "model_provider": "In-house gradient-boosted trees, v7",
        "lifecycle": "Monitoring",
        "deployment": "Internal",
        "personal_data": "Yes",
        "eu_ai_act": "Minimal",
        "in_scope": "Yes",
    },
    {
        "name": "Customer support assistant",
        "purpose": "Answers customers' questions in the web chat from the help-centre articles "
                   "(retrieval-augmented generation) and hands over to an agent on request.",
        "business_owner": "Director of Customer Operations",
        "role": "Both",
        "provenance": "Fine-tuned third-party model",
        "model_provider": "Open-weight 7B model fine-tuned in-house, served on AWS",
        "lifecycle": "Deployment",
        "deployment": "Customer-facing",
        "personal_data": "Yes",
        "eu_ai_act": "Limited",
        "in_scope": "Yes",
    },
    {
        "name": "Credit limit recommender",
        "purpose": "Recommends credit limits for SME lending applications; an underwriter makes "
                   "the decision.",
        "business_owner": "Chief Credit Officer",
        "role": "Provider",
        "provenance": "Built in-house",
        "model_provider": "In-house logistic regression and gradient boosting ensemble",
        "lifecycle": "Validation",
        "deployment": "Internal",
        "personal_data": "Yes",
        "eu_ai_act": "High",
        "in_scope": "Yes",
    },
    {
        "name": "Engineering code assistant",
        "purpose": "Suggests code and tests inside engineers' editors.",
        "business_owner": "VP Engineering",
        "role": "Deployer",
        "provenance": "Third-party API or SaaS",
        "model_provider": "Commercial coding-assistant SaaS (business tier)",
        "lifecycle": "Deployment",
        "deployment": "Internal",
        "personal_data": "No",
        "eu_ai_act": "Minimal",
        "in_scope": "Partial",
        "scope_justification": "Its use by engineering, the configuration of the business tenant "
                               "and the source code and prompts sent to it are in scope; the "
                               "vendor's models and hosting are managed as a supplier.",
    },
    {
        "name": "Marketing copy generator (pilot)",
        "purpose": "Drafts marketing e-mail copy from public product information.",
        "business_owner": "Head of Marketing",
        "role": "Deployer",
        "provenance": "Third-party API or SaaS",
        "model_provider": "General-purpose LLM API",
        "lifecycle": "Problem definition",
        "deployment": "Internal",
        "personal_data": "No",
        "eu_ai_act": "Not assessed",
        "in_scope": "No",
        "scope_justification": "A sandbox pilot that uses public product information only and no "
                               "production data; to be assessed before any live use (review due "
                               "March 2027).",
    },
]


def build_demo(today: _dt.date | None = None) -> Assessment:
    """A complete Step 1 for a fictional payments company, built through the core functions."""
    assessment = Assessment.new()
    update_profile(assessment, DEMO_PROFILE)
    for values in DEMO_SYSTEMS:
        add_record(assessment, AI_SYSTEMS, values)
    set_addendum(assessment, draft_addendum(assessment, today), edited=False)
    add_demo_vendors_and_incidents(assessment, today)
    return assessment

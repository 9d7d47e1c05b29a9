"""Shared fixtures: a fixed clock, an isolated config folder, no blinking cursors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from textual.widgets import Input, TextArea

from aigov_tui.app import AigovApp, make_app
from aigov_tui.core.catalogs import Catalogs, load_catalogs
from aigov_tui.core.demo import build_scope_demo
from aigov_tui.core.store import Store

TODAY = dt.date(2026, 11, 30)
NOW = dt.datetime(2026, 11, 30, 14, 5, 0)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep recent files and the demo away from the real home folder."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("AIGOV_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("AIGOV_DATA_DIR", str(home / "data"))
    return home


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blinking cursors make snapshots flaky (as Harlequin's fixture of the same name)."""
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda self: None)


_CATALOGS: Catalogs | None = None


def catalogs() -> Catalogs:
    global _CATALOGS
    if _CATALOGS is None:
        _CATALOGS = load_catalogs()
    return _CATALOGS


def test_app(path: Path | None = None, **kwargs: object) -> AigovApp:
    """The app as the CLI builds it, with a fixed date and clock."""
    return make_app(path, catalogs(), today=lambda: TODAY, clock=lambda: NOW, **kwargs)


test_app.__test__ = False  # type: ignore[attr-defined]  # a factory, not a test


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty folder so file names in the header are short and stable."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def demo_file(workdir: Path) -> Path:
    path = Path("demo.aigov.json")
    Store.create(path, build_scope_demo(TODAY)).close()
    return path


def build_risk_demo():
    """The demo with the suggested assets of two AI systems and eight rated risks."""
    from aigov_tui.core.model import add_record
    from aigov_tui.core.registers import ASSETS, RISKS
    from aigov_tui.core.suggest import suggest_assets, suggest_risks

    cats = catalogs()
    a = build_scope_demo(TODAY)
    for sid in ("SYS-001", "SYS-002"):
        for s in suggest_assets(a, sid):
            add_record(a, ASSETS, s, cats)
    for i, r in enumerate(suggest_risks(a, cats, ["AST-001", "AST-008"])[:8]):
        r.update(risk_owner="CISO", inherent_likelihood=(i % 5) + 1, inherent_impact=((i * 2) % 5) + 1)
        if i % 2:
            r.update(residual_likelihood=1, residual_impact=2)
        add_record(a, RISKS, r, cats, strict=False)
    return a


@pytest.fixture
def risk_file(workdir: Path) -> Path:
    path = Path("risks.aigov.json")
    Store.create(path, build_risk_demo()).close()
    return path


def build_programme_demo():
    """The risk demo taken through Steps 5–7: documents, training, an audit with a finding."""
    from aigov_tui.core import programme
    from aigov_tui.core.model import add_record, update_record
    from aigov_tui.core.registers import AUDITS, CHECKLIST, FINDINGS, PEOPLE

    cats = catalogs()
    a = build_risk_demo()
    programme.prefill_documents(a, cats, "CISO")
    programme.prefill_training(a, cats)
    for name, role, team in (("Ann Lee", "security_analyst", "SOC"), ("Sam Ortiz", "soc_analyst", "SOC"),
                             ("Bob Kim", "ml_engineer", "ML platform")):
        add_record(a, PEOPLE, {"name": name, "role": role, "team": team}, cats)
    programme.assign(a, cats, "TRN-001", "2026-11-01")
    programme.assign(a, cats, "TRN-003", "2027-01-31")
    audit = add_record(a, AUDITS, {"title": "AI systems internal audit", "scope_systems": ["SYS-001", "SYS-002"],
                                   "scope_controls": ["A.5.19", "A.8.24"], "lead": "Dana Reyes",
                                   "start": "2027-01-10", "status": "Planned"}, cats)
    items = programme.generate_checklist(a, cats, audit["id"])
    update_record(a, CHECKLIST, items[0], {**a.find(CHECKLIST, items[0]), "result": "Minor nonconformity",
                                           "evidence_seen": "Supplier contracts have no AI terms"}, cats)
    values = programme.finding_from_item(a, items[0])
    values.update(statement="Supplier agreements do not cover AI use of our data.", owner="Procurement",
                  due="2026-11-15")
    add_record(a, FINDINGS, values, cats)
    return a


@pytest.fixture
def programme_file(workdir: Path) -> Path:
    path = Path("programme.aigov.json")
    Store.create(path, build_programme_demo()).close()
    return path


_RISK_DEMO = None


@pytest.fixture
def cats() -> Catalogs:
    return catalogs()


@pytest.fixture
def a():
    """The demo with assets and eight risks naming planned controls; a fresh copy per test."""
    global _RISK_DEMO
    if _RISK_DEMO is None:
        _RISK_DEMO = build_risk_demo()
    return _RISK_DEMO.copy()

"""Pilot tests of Step 2 (AI assets) and Step 3 (AI risk assessment), by keys, checking the file."""

from __future__ import annotations

from pathlib import Path

from aigov_tui.screens.step2_assets import AssetsScreen
from aigov_tui.screens.step3_risks import RisksScreen
from aigov_tui.widgets.dialogs import PickDialog, RecordDialog
from aigov_tui.widgets.heatmap import Heatmap
from aigov_tui.widgets.record_table import RecordTable

from .conftest import test_app
from .tui_helpers import choose, settle, stored, stored_records, type_text

SIZE = (80, 24)


async def test_add_an_asset_by_keys(demo_file: Path) -> None:
    app = test_app(demo_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert isinstance(app.screen, AssetsScreen)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, RecordDialog)
        await type_text(pilot, "Fraud model v7")
        await pilot.press("tab")
        await choose(pilot, "Mod")                      # type: Model
        await pilot.press("tab")
        await pilot.press("space")                      # AI systems: SYS-001
        await pilot.press("tab")
        await type_text(pilot, "ML lead")               # owner
        await pilot.press("tab", "tab", "tab", "tab")   # past custodian, location, supplier
        await choose(pilot, "Conf")                     # classification
        await pilot.press("tab")
        await type_text(pilot, "4")
        await pilot.press("tab")
        await type_text(pilot, "5")
        await pilot.press("tab")
        await type_text(pilot, "3")
        await pilot.press("tab")
        await choose(pilot, "N")                        # personal data: No
        await pilot.press("ctrl+s")
        await settle(pilot, 3)
        assert isinstance(app.screen, AssetsScreen)
    asset = stored_records(demo_file, "assets")[0]
    assert asset["id"] == "AST-001"
    assert asset["type"] == "Model"
    assert asset["ai_systems"] == ["SYS-001"]
    assert (asset["confidentiality"], asset["integrity"], asset["availability"]) == (4, 5, 3)


async def test_suggest_assets_for_an_ai_system(demo_file: Path) -> None:
    app = test_app(demo_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        assert isinstance(app.screen, PickDialog)
        await pilot.press("space")                      # SYS-001, built in-house
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PickDialog)      # the suggestions, all ticked
        await pilot.press("space")                      # drop the first one
        await pilot.press("ctrl+s")
        await settle(pilot, 3)
        assert isinstance(app.screen, AssetsScreen)
    assets = stored_records(demo_file, "assets")
    assert [a["type"] for a in assets] == [
        "Training dataset", "Evaluation dataset", "Training pipeline", "Inference endpoint or API", "Compute"]
    assert all(a["ai_systems"] == ["SYS-001"] for a in assets)


async def test_filter_assets_by_system_and_type(risk_file: Path) -> None:
    app = test_app(risk_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        table = app.screen.query_one(RecordTable)
        assert table.table.row_count == 14
        await pilot.press("f2")
        await choose(pilot, "SYS-002")
        await settle(pilot)
        assert table.table.row_count == 8
        await pilot.press("f3")
        await choose(pilot, "Model")
        await settle(pilot)
        assert table.table.row_count == 1
        await pilot.press("x")
        await settle(pilot)
        assert table.table.row_count == 14


async def test_add_a_risk_by_keys_scores_it(demo_file: Path) -> None:
    app = test_app(demo_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        assert isinstance(app.screen, RisksScreen)
        await pilot.press("a")
        await settle(pilot)
        await type_text(pilot, "Prompt injection")      # title
        await pilot.press("tab")
        await type_text(pilot, "Hidden text")           # scenario
        await pilot.press("tab")
        await choose(pilot, "Adv")                      # category: Adversarial robustness
        await pilot.press("tab")
        await choose(pilot, "LLM01")                    # threat
        await pilot.press("tab", "tab", "tab", "tab", "tab")   # vulnerability, assets, systems, impact
        await type_text(pilot, "CISO")                  # risk owner
        await pilot.press("tab", "tab")                 # existing controls
        await choose(pilot, "4")                        # inherent likelihood: 4 Likely
        await pilot.press("tab")
        await choose(pilot, "3")                        # inherent impact: 3 Moderate
        await pilot.press("tab")
        await choose(pilot, "Mod")                      # treatment: Modify
        await pilot.press("tab")
        await type_text(pilot, "A.8.28, A.8.9")         # planned 27001 controls
        await pilot.press("ctrl+s")
        await settle(pilot)
        # 4 × 3 = 12, High: above the Medium threshold, so the owner's acceptance is required
        assert isinstance(app.screen, RecordDialog)
        assert "must accept" in str(app.screen.query_one("#error-accepted_by").render())
        app.screen.query_one("#field-accepted_by").focus()
        await type_text(pilot, "Jane Doe")
        await pilot.press("tab")
        await type_text(pilot, "2026-11-30")
        await pilot.press("ctrl+s")
        await settle(pilot, 3)
        assert isinstance(app.screen, RisksScreen)
    risk = stored_records(demo_file, "risks")[0]
    assert risk["id"] == "R-001"
    assert risk["threat"] == "LLM01"
    assert risk["planned_27001"] == ["A.8.28", "A.8.9"]
    assert (risk["inherent_score"], risk["inherent_level"]) == (12, "High")
    assert risk["accepted_by"] == "Jane Doe"


async def test_unknown_control_is_named(demo_file: Path) -> None:
    app = test_app(demo_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        form = app.screen
        form.query_one("#field-title").value = "x"
        form.query_one("#field-scenario").load_text("y")
        form.query_one("#field-category").value = "Supply chain"
        form.query_one("#field-risk_owner").value = "CISO"
        form.query_one("#field-inherent_likelihood").value = 1
        form.query_one("#field-inherent_impact").value = 1
        form.query_one("#field-treatment").value = "Modify"
        form.query_one("#field-planned_27001").value = "A.9.9"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RecordDialog)
        assert "A.9.9 is not a known ISO 27001 Annex A control" in str(
            app.screen.query_one("#error-planned_27001").render())
    assert stored_records(demo_file, "risks") == []


async def test_suggest_risks_adds_drafts_marked_with_problems(risk_file: Path) -> None:
    before = len(stored_records(risk_file, "risks"))
    app = test_app(risk_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        assert isinstance(app.screen, PickDialog)
        await pilot.press("down", "space")              # AST-002, a training dataset
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PickDialog)
        await pilot.press("ctrl+s")
        await settle(pilot, 3)
        status = str(app.screen.query_one("#table-status").render())
        assert "with problems (!)" in status
    risks = stored_records(risk_file, "risks")
    new = risks[before:]
    assert new and all("AST-002" in r["assets"] for r in new)
    assert all(r["inherent_likelihood"] is None for r in new)   # left for the workshop to rate


async def test_heatmap_cell_filters_the_register(risk_file: Path) -> None:
    app = test_app(risk_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        heat = app.screen.query_one("#heat-inherent", Heatmap)
        assert app.focused is heat
        counts = heat.counts()
        assert sum(counts.values()) == 8
        assert heat.cursor == (1, 1)
        await pilot.press("enter")                      # the (1, 1) cell holds
        await settle(pilot)
        table = app.screen.query_one(RecordTable)
        ids = sorted(table.table.get_row_at(i)[1] for i in range(table.table.row_count))
        assert ids == ["R-001", "R-006"] and counts[(1, 1)] == 2
        assert "filter: inherent L1×I1" in str(app.screen.query_one("#table-status").render())
        await pilot.press("x")
        await settle(pilot)
        assert table.table.row_count == 8


async def test_changing_the_method_to_4x4_rescores_every_risk(risk_file: Path) -> None:
    app = test_app(risk_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        app.screen.query_one("#method-preset").focus()
        await choose(pilot, "4×4")
        await settle(pilot)
        assert app.screen.query_one("#method-likelihood").value.startswith("Unlikely")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("y")      # confirm after the preview
        await settle(pilot, 3)
    data = stored(risk_file)
    method = data["risk_method"]["1"]
    assert len(method["likelihood"]) == 4 and len(method["impact"]) == 4
    risks = [data["risks"][k] for k in sorted(data["risks"], key=int)]
    assert max(r["inherent_likelihood"] for r in risks) <= 4
    assert all(r["inherent_score"] == r["inherent_likelihood"] * r["inherent_impact"] for r in risks)


async def test_a_bad_method_is_explained_and_not_applied(risk_file: Path) -> None:
    app = test_app(risk_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        app.screen.query_one("#method-bands").value = "Low 1-4 green; High 6-25 red"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "should start at 5" in str(app.screen.query_one("#method-error-bands").render())
    assert stored(risk_file)["risk_method"]["1"]["bands"][1]["level"] == "Medium"


async def test_record_the_treatment_plan_approval_on_the_method_tab(risk_file: Path) -> None:
    app = test_app(risk_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        app.screen.query_one("#method-approved-by").focus()
        await type_text(pilot, "Dana Reyes")
        await pilot.press("tab")
        await type_text(pilot, "2026-13-01")            # no such month
        await pilot.press("tab", "enter")               # Record approval
        await settle(pilot)
        assert "not a date" in str(app.screen.query_one("#method-error-plan_approved_on").render())
        assert "plan_approved_by" not in stored(risk_file)["risk_method"]["1"]
        app.screen.query_one("#method-approved-on").value = ""
        app.screen.query_one("#method-approved-on").focus()
        await type_text(pilot, "2026-12-01")
        await pilot.press("tab", "enter")
        await settle(pilot, 3)
        assert str(app.screen.query_one("#method-error-plan_approved_on").render()) == ""
    data = stored(risk_file)
    method = data["risk_method"]["1"]
    assert (method["plan_approved_by"], method["plan_approved_on"]) == ("Dana Reyes", "2026-12-01")
    risks = [data["risks"][k] for k in sorted(data["risks"], key=int)]
    from aigov_tui.core import scoring
    for r in risks:
        if scoring.acceptance_required(method, r):
            assert r["acceptance"].startswith("Individual")
        else:
            assert r["acceptance"] == "Accepted with the treatment plan approved by Dana Reyes on 2026-12-01"
    assert any(not scoring.acceptance_required(method, r) for r in risks)


async def test_deleting_the_last_risk_naming_a_control_says_so(risk_file: Path) -> None:
    from aigov_tui.core import soa

    app = test_app(risk_file)
    said: list[str] = []
    real_notify = app.notify
    app.notify = lambda message, **kw: (said.append(str(message)), real_notify(message, **kw))  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        links = soa.risk_links(app.session.assessment)
        only_r005 = sorted(k for k, rs in links.items() if rs == ["R-005"])
        assert "A.5.15" in only_r005
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("down", "down", "down", "down")
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot, 3)
    notice = next(m for m in said if m.startswith("Deleted R-005"))
    assert "No risk names" in notice and "A.5.15" in notice and "Step 4" in notice

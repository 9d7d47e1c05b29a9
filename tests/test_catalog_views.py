"""The catalog browser's core: views, search, and links in both directions."""

from __future__ import annotations

from aigov_tui.core.catalog_views import details, related, search, views_of

from .conftest import catalogs


def _view(key: str):
    return next(v for v in views_of(catalogs()) if v.key == key)


def test_every_bundled_catalog_has_a_view_with_its_entries() -> None:
    cats = catalogs()
    sizes = {v.key: len(v.entries) for v in views_of(cats)}
    assert sizes["iso27001"] == 93
    assert sizes["iso42001"] == 38
    assert sizes["clauses"] == len(cats.clauses) == 30
    assert sizes["threats"] == len(cats.threats)
    for key in ("documents", "training", "checklist", "vendor", "incidents", "risk_methods"):
        assert sizes[key] > 0, key


def test_every_entry_has_details_and_resolvable_links() -> None:
    cats = catalogs()
    for view in views_of(cats):
        for entry in view.entries:
            assert details(cats, view.key, entry["id"]), (view.key, entry["id"])
            for link in related(cats, view.key, entry["id"]):
                target = _view(link.view)
                assert target.find(link.entry_id) is not None, (view.key, entry["id"], link)


def test_a_27001_control_shows_the_42001_controls_and_threats_that_map_to_it_and_back() -> None:
    cats = catalogs()
    forward = related(cats, "iso27001", "A.5.19")
    to_42001 = {link.entry_id: link for link in forward if link.view == "iso42001"}
    assert "A.10.3" in to_42001
    assert to_42001["A.10.3"].note.split(":")[0] in ("equivalent", "partial", "supports")
    threats = {link.entry_id for link in forward if link.view == "threats"}
    assert {"ML06", "LLM03"} <= threats
    back = related(cats, "iso42001", "A.10.3")
    assert any(link.view == "iso27001" and link.entry_id == "A.5.19" for link in back)
    # a threat links to the controls it suggests, which link back to the threat
    llm01 = related(cats, "threats", "LLM01")
    control = next(link for link in llm01 if link.view == "iso27001")
    assert any(link.entry_id == "LLM01" for link in related(cats, "iso27001", control.entry_id))


def test_a_new_ai_control_says_why_it_has_no_27001_counterpart() -> None:
    cats = catalogs()
    new = [m["control"] for m in cats.mappings if "none" in m]
    assert new, "the mapping names the genuinely new AI controls"
    labels = dict(details(cats, "iso42001", new[0]))
    assert labels["No ISO 27001 counterpart"]
    assert not [link for link in related(cats, "iso42001", new[0]) if link.view in ("iso27001", "clauses")]


def test_search_matches_ids_titles_and_guidance() -> None:
    view = _view("iso27001")
    assert [e["id"] for e in search(view, "A.8.24")] == ["A.8.24"]
    assert "A.5.15" in [e["id"] for e in search(view, "access control")]
    weights = search(view, "model weights")
    texts = [" ".join(str(v) for v in e.values()).casefold() for e in weights]
    assert weights and all("model" in t and "weights" in t for t in texts)
    assert len(weights) < len(view.entries)
    assert search(view, "no such words anywhere") == []


def test_a_threat_in_an_extra_category_says_which_of_the_five_it_rolls_up_to() -> None:
    cats = catalogs()
    shown = dict(details(cats, "threats", "ASI02"))
    assert shown["Category"] == "excessive_agency"
    assert shown["Rolls up to"].startswith("inference security")
    assert "Rolls up to" not in dict(details(cats, "threats", "AML.T0011.000"))  # supply_chain
    # and an agentic threat links to the 27001 controls that answer it
    assert {link.entry_id for link in related(cats, "threats", "ASI04")} >= {"A.5.21", "A.8.19"}

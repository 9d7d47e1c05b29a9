"""Snapshot tests of every screen at 80×24 (SSH) and 120×40 (workshop projector).

Review a changed SVG as a picture before accepting it with --snapshot-update.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import test_app
from .tui_helpers import settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def _before(*keys: str):
    async def run_before(pilot) -> None:
        await settle(pilot, 3)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        await pilot.pause(0.3)

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_home(snap_compare, workdir: Path, size: tuple[int, int]) -> None:
    assert snap_compare(test_app(), terminal_size=size, run_before=_before())


@pytest.mark.parametrize("size", SIZES)
def test_step1_ai_systems(snap_compare, demo_file: Path, size: tuple[int, int]) -> None:
    assert snap_compare(test_app(demo_file), terminal_size=size, run_before=_before())


@pytest.mark.parametrize("size", SIZES)
def test_step1_organisation(snap_compare, demo_file: Path, size: tuple[int, int]) -> None:
    assert snap_compare(test_app(demo_file), terminal_size=size, run_before=_before("f2"))


@pytest.mark.parametrize("size", SIZES)
def test_step1_addendum(snap_compare, demo_file: Path, size: tuple[int, int]) -> None:
    assert snap_compare(test_app(demo_file), terminal_size=size, run_before=_before("f4"))


@pytest.mark.parametrize("size", SIZES)
def test_step1_new_system_with_problems(snap_compare, demo_file: Path, size: tuple[int, int]) -> None:
    """The add form after saving it empty: every problem next to its field."""
    assert snap_compare(test_app(demo_file), terminal_size=size, run_before=_before("a", "ctrl+s"))


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare, demo_file: Path, size: tuple[int, int]) -> None:
    assert snap_compare(test_app(demo_file), terminal_size=size, run_before=_before("f1"))


@pytest.mark.parametrize("size", SIZES)
def test_catalog_browser(snap_compare, demo_file: Path, size: tuple[int, int]) -> None:
    """ISO 27001 A.5.19 with the 42001 controls and threats that map to it."""
    keys = ["f5", "slash", "A", ".", "5", ".", "1", "9", "enter"]
    assert snap_compare(test_app(demo_file), terminal_size=size, run_before=_before(*keys))


@pytest.mark.parametrize("size", SIZES)
def test_step2_assets_empty(snap_compare, demo_file: Path, size: tuple[int, int]) -> None:
    assert snap_compare(test_app(demo_file), terminal_size=size, run_before=_before("2"))


@pytest.mark.parametrize("size", SIZES)
def test_step2_assets(snap_compare, risk_file: Path, size: tuple[int, int]) -> None:
    assert snap_compare(test_app(risk_file), terminal_size=size, run_before=_before("2"))


@pytest.mark.parametrize("size", SIZES)
def test_step3_risk_register(snap_compare, risk_file: Path, size: tuple[int, int]) -> None:
    assert snap_compare(test_app(risk_file), terminal_size=size, run_before=_before("3"))


@pytest.mark.parametrize("size", SIZES)
def test_step3_heatmap(snap_compare, risk_file: Path, size: tuple[int, int]) -> None:
    assert snap_compare(test_app(risk_file), terminal_size=size, run_before=_before("3", "f3", "up", "right"))


@pytest.mark.parametrize("size", SIZES)
def test_step3_risk_method(snap_compare, risk_file: Path, size: tuple[int, int]) -> None:
    assert snap_compare(test_app(risk_file), terminal_size=size, run_before=_before("3", "f4"))


@pytest.mark.parametrize("size", SIZES)
def test_step3_risk_form(snap_compare, risk_file: Path, size: tuple[int, int]) -> None:
    """A suggested risk opened for rating: its remaining problems shown at once."""
    assert snap_compare(test_app(risk_file), terminal_size=size, run_before=_before("3", "down", "down", "e"))


@pytest.mark.parametrize("size", SIZES)
def test_step4_soa(snap_compare, risk_file: Path, size: tuple[int, int]) -> None:
    assert snap_compare(test_app(risk_file), terminal_size=size, run_before=_before("4"))


@pytest.mark.parametrize("size", SIZES)
def test_step4_soa_row_form(snap_compare, risk_file: Path, size: tuple[int, int]) -> None:
    """A.5.15 is named by a risk: applicable, with risk treatment and the derived justification."""
    keys = ["4", "slash", "A", ".", "5", ".", "1", "5", "enter", "e"]
    assert snap_compare(test_app(risk_file), terminal_size=size, run_before=_before(*keys))


@pytest.mark.parametrize("size", SIZES)
def test_step5_documents(snap_compare, programme_file: Path, size: tuple[int, int]) -> None:
    assert snap_compare(test_app(programme_file), terminal_size=size, run_before=_before("5"))


@pytest.mark.parametrize("size", SIZES)
def test_step6_training_records(snap_compare, programme_file: Path, size: tuple[int, int]) -> None:
    assert snap_compare(test_app(programme_file), terminal_size=size, run_before=_before("6", "f4"))


@pytest.mark.parametrize("size", SIZES)
def test_step7_checklist(snap_compare, programme_file: Path, size: tuple[int, int]) -> None:
    assert snap_compare(test_app(programme_file), terminal_size=size, run_before=_before("7", "f3"))


@pytest.mark.parametrize("size", SIZES)
def test_step7_findings(snap_compare, programme_file: Path, size: tuple[int, int]) -> None:
    assert snap_compare(test_app(programme_file), terminal_size=size, run_before=_before("7", "f4"))


@pytest.mark.parametrize("size", SIZES)
def test_step7_calendar(snap_compare, programme_file: Path, size: tuple[int, int]) -> None:
    assert snap_compare(test_app(programme_file), terminal_size=size, run_before=_before("7", "f6"))

"""The import contracts in .importlinter hold: layers (declarations at the bottom, then the
model, the domain modules, export and import, the TUI and CLI on top) and a core that never
imports textual or the TUI."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def _lint_imports() -> str:
    exe = Path(sys.executable).with_name("lint-imports")
    if exe.exists():
        return str(exe)
    found = shutil.which("lint-imports")
    if not found:
        pytest.skip("import-linter is not installed (it is in the test extras)")
    return found


def test_import_contracts_are_kept() -> None:
    result = subprocess.run([_lint_imports(), "--no-cache"], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_contracts_name_the_layers_the_issue_asks_for() -> None:
    # guard the contract file itself: removing a layer would make the check above vacuous
    config = configparser.ConfigParser()
    config.read(REPO_ROOT / ".importlinter")
    layers = [line.strip() for line in config["importlinter:contract:layers"]["layers"].splitlines()
              if line.strip()]
    flat = [[m.strip().strip("()") for m in line.split("|")] for line in layers]
    where = {m: i for i, line in enumerate(flat) for m in line}
    for high, low in (("aigov_tui.cli", "aigov_tui.app"), ("aigov_tui.app", "aigov_tui.screens"),
                      ("aigov_tui.screens", "aigov_tui.widgets"),
                      ("aigov_tui.core.export", "aigov_tui.core.soa"),
                      ("aigov_tui.core.workbook_import", "aigov_tui.core.model"),
                      ("aigov_tui.core.programme", "aigov_tui.core.model"),
                      ("aigov_tui.core.soa", "aigov_tui.core.model"),
                      ("aigov_tui.core.model", "aigov_tui.core.registers"),
                      ("aigov_tui.core.registers", "aigov_tui.core.schema")):
        assert where[high] < where[low], (high, low)
    forbidden = config["importlinter:contract:core-plain"]["forbidden_modules"].split()
    assert "textual" in forbidden

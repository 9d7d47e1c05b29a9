"""The domain core and the CLI's non-TUI commands never import Textual."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import aigov_tui.core

REPO_ROOT = Path(__file__).resolve().parent.parent
CORE_DIR = Path(aigov_tui.core.__file__).resolve().parent
EXPECTED_CORE = {"schema", "registers", "model", "store", "session", "settings", "demo", "scope",
                 "steps", "paths", "catalogs", "export", "xlsx"}


def test_importing_core_and_cli_does_not_import_textual():
    code = textwrap.dedent("""
        import importlib, json, pkgutil, sys
        import aigov_tui.core as core
        names = sorted(m.name for m in pkgutil.walk_packages(core.__path__, core.__name__ + "."))
        for name in names + ["aigov_tui.cli"]:
            importlib.import_module(name)
        loaded = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
        print(json.dumps({"modules": names, "textual": loaded}))
    """)
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    result = subprocess.run([sys.executable, "-c", code], cwd=str(REPO_ROOT), env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    imported = {name.rsplit(".", 1)[-1] for name in report["modules"]}
    assert EXPECTED_CORE <= imported, f"module discovery missed {EXPECTED_CORE - imported}"
    assert report["textual"] == [], f"the core imported {report['textual']}"


_TEXTUAL_IMPORT = re.compile(r"^\s*(import\s+textual\b|from\s+textual\b)", re.MULTILINE)


def test_no_core_source_imports_textual():
    sources = sorted(CORE_DIR.rglob("*.py"))
    assert {p.stem for p in sources} >= EXPECTED_CORE
    offenders = [f"{p.relative_to(REPO_ROOT)}:{text[:m.start()].count(chr(10)) + 1}"
                 for p in sources
                 for text in [p.read_text(encoding="utf-8")]
                 for m in _TEXTUAL_IMPORT.finditer(text)]
    assert offenders == []


def test_textual_import_pattern_catches_the_forms_it_must():
    # guard the scan itself, so a broken pattern cannot let the test above pass silently
    for line in ("import textual", "from textual.app import App", "    from textual import on",
                 "import textual.widgets as w"):
        assert _TEXTUAL_IMPORT.search(line), line
    for line in ("import textualize", "# textual is imported only by the app",
                 "from .textual_helpers import x"):
        assert not _TEXTUAL_IMPORT.search(line), line

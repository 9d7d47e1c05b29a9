"""The command line: demo, validate, export, argument errors, and ``python -m aigov_tui``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from aigov_tui import __version__
from aigov_tui.cli import main
from aigov_tui.core.registers import AI_SYSTEMS
from aigov_tui.core.store import load_read_only

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def demo(tmp_path: Path, capsys) -> Path:
    path = tmp_path / "demo.aigov.json"
    assert main(["demo", str(path)]) == 0
    capsys.readouterr()
    return path


def assert_clean_error(err: str) -> None:
    assert "Traceback" not in err
    assert err.strip(), "an error must say what went wrong"


# -- demo -----------------------------------------------------------------------------------------
def test_demo_writes_a_valid_assessment(tmp_path: Path, capsys):
    path = tmp_path / "fernhill.aigov.json"
    assert main(["demo", str(path)]) == 0
    assert str(path) in capsys.readouterr().out
    a = load_read_only(path)
    assert a.organisation == "Fernhill Payments Ltd"
    assert len(a.records(AI_SYSTEMS)) == 5
    assert (path.stat().st_mode & 0o777) == 0o600
    assert not path.with_name(path.name + ".lock").exists()


def test_demo_refuses_to_overwrite_without_force(demo: Path, capsys):
    before = demo.read_bytes()
    assert main(["demo", str(demo)]) == 2
    captured = capsys.readouterr()
    assert "--force" in captured.err and str(demo) in captured.err
    assert_clean_error(captured.err)
    assert demo.read_bytes() == before
    assert not demo.with_name(demo.name + ".bak").exists()


def test_demo_force_overwrites_and_keeps_a_backup(demo: Path, capsys):
    doc = json.loads(demo.read_text())
    doc["profile"]["1"]["organisation"] = "Edited by hand"
    demo.write_text(json.dumps(doc))
    before = demo.read_bytes()
    assert main(["demo", str(demo), "--force"]) == 0
    assert load_read_only(demo).organisation == "Fernhill Payments Ltd"
    bak = demo.with_name(demo.name + ".bak")
    assert bak.read_bytes() == before
    assert (bak.stat().st_mode & 0o777) == 0o600


def test_demo_into_a_folder_or_missing_folder_is_a_clear_error(tmp_path: Path, capsys):
    assert main(["demo", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "is a folder" in err and "--force" not in err
    assert_clean_error(err)
    assert main(["demo", str(tmp_path), "--force"]) == 2
    assert "is a folder" in capsys.readouterr().err

    missing = tmp_path / "nowhere" / "x.aigov.json"
    assert main(["demo", str(missing)]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err
    assert_clean_error(err)


# -- validate -------------------------------------------------------------------------------------
DELIBERATE_PROBLEMS = [
    "Risks R-020: Inherent likelihood is required.",
    "Risks R-020: Inherent impact is required.",
]
DELIBERATE_OPEN_ITEMS = [
    "Overdue action F-001: Minor nonconformity on A.5.23 was due on {d-9} (Action in progress; "
    "owner Head of Procurement).",
    "Evidence EV-008: Cloud provider ISO/IEC 27001 certificate: expires on {d+21} (in 21 days).",
    "SoA gap 42001:A.6.2.8: 42001:A.6.2.8 is marked implemented but no evidence is linked.",
    "SoA gap Undecided: 4 controls have no applicability decision yet: 42001:A.5.5, 42001:A.8.3, "
    "42001:A.8.5, 42001:A.9.3.",
]


def test_validate_demo_lists_exactly_its_deliberate_open_items(demo: Path, capsys):
    """The demo leaves open on purpose: one unrated risk, an overdue corrective action, an
    expiring certificate, and SoA gaps (four undecided controls, one implemented without
    evidence). Nothing else: every other record is complete."""
    import datetime as dt

    today = dt.date.today()
    assert main(["validate", str(demo)]) == 1
    out = capsys.readouterr().out.splitlines()
    listed = [line[4:] for line in out if line.startswith("  - ")]
    expected = DELIBERATE_PROBLEMS + [
        line.replace("{d-9}", (today - dt.timedelta(days=9)).isoformat())
            .replace("{d+21}", (today + dt.timedelta(days=21)).isoformat())
        for line in DELIBERATE_OPEN_ITEMS]
    assert listed == expected
    assert "2 problems" in out[0] and out[3].startswith("4 open items")


def test_catalogs_option_before_the_command(demo: Path, tmp_path: Path, capsys):
    folder = tmp_path / "my-catalogs"
    folder.mkdir()
    assert main(["--catalogs", str(folder), "validate", str(demo)]) == 1
    assert main([f"--catalogs={folder}", "validate", str(demo)]) == 1
    captured = capsys.readouterr()
    assert "unrecognized arguments" not in captured.err and "2 problems" in captured.out


def test_validate_reports_problems_and_exits_1(demo: Path, capsys):
    doc = json.loads(demo.read_text())
    del doc["ai_systems"]["2"]["business_owner"]
    doc["ai_systems"]["3"]["in_scope"] = "Perhaps"
    demo.write_text(json.dumps(doc))
    assert main(["validate", str(demo)]) == 1
    out = capsys.readouterr().out
    assert "4 problems" in out  # the two added here and the demo's unrated risk (two fields)
    assert "AI systems SYS-002: Business owner is required." in out
    assert "AI systems SYS-003: In ISMS scope: 'Perhaps' is not one of Yes, No, Partial." in out


def test_validate_missing_file_exits_2_without_traceback(tmp_path: Path, capsys):
    missing = tmp_path / "missing.aigov.json"
    assert main(["validate", str(missing)]) == 2
    captured = capsys.readouterr()
    assert "does not exist" in captured.err and str(missing) in captured.err
    assert_clean_error(captured.err)


@pytest.mark.parametrize("content", [b'{"meta": {"1": {"schema', b"\x00\xffgarbage", b"", b"[]"])
def test_validate_corrupt_file_exits_2_without_traceback(tmp_path: Path, capsys, content: bytes):
    path = tmp_path / "broken.aigov.json"
    path.write_bytes(content)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("aigov: error: ") and str(path) in err
    assert_clean_error(err)
    assert path.read_bytes() == content


def test_validate_does_not_lock_or_change_the_file(demo: Path, capsys):
    before = demo.read_bytes()
    assert main(["validate", str(demo)]) == 1
    assert demo.read_bytes() == before
    assert not demo.with_name(demo.name + ".lock").exists()


# -- export ---------------------------------------------------------------------------------------
def test_export_to_out_dir_prints_the_workbook_path(demo: Path, tmp_path: Path, capsys):
    out = tmp_path / "reports" / "q4"
    assert main(["export", str(demo), "--out", str(out)]) == 0
    printed = Path(capsys.readouterr().out.strip().splitlines()[-1])
    assert printed.parent == out
    assert printed.suffix == ".xlsx" and printed.name.startswith("fernhill-payments-ltd-")
    assert printed.is_file() and zipfile.is_zipfile(printed)


def test_export_defaults_to_exports_in_current_folder(demo: Path, tmp_path: Path, monkeypatch,
                                                      capsys):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert main(["export", str(demo)]) == 0
    printed = Path(capsys.readouterr().out.strip().splitlines()[-1])
    assert printed.is_file()
    assert printed.resolve().parent == (work / "exports").resolve()


def test_export_of_missing_file_exits_2(tmp_path: Path, capsys):
    assert main(["export", str(tmp_path / "missing.aigov.json"), "--out", str(tmp_path)]) == 2
    assert_clean_error(capsys.readouterr().err)
    assert list(tmp_path.glob("*.xlsx")) == []


def test_export_out_is_a_file_exits_2(demo: Path, tmp_path: Path, capsys):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    assert main(["export", str(demo), "--out", str(blocker)]) == 2
    err = capsys.readouterr().err
    assert str(blocker) in err
    assert_clean_error(err)


# -- arguments ------------------------------------------------------------------------------------
@pytest.mark.parametrize("argv, expected", [
    (["export"], "the following arguments are required: FILE"),
    (["validate"], "the following arguments are required: FILE"),
    (["demo"], "the following arguments are required: FILE"),
    (["validate", "x.aigov.json", "--bogus"], "unrecognized arguments: --bogus"),
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["export", "x.aigov.json", "--out"], "expected one argument"),
])
def test_bad_arguments_exit_2_without_traceback(argv, expected, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert expected in err and "usage: aigov" in err
    assert_clean_error(err)


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"aigov-tui {__version__}"


def test_help_exits_0(capsys):
    assert main(["validate", "--help"]) == 0
    assert "usage: aigov validate" in capsys.readouterr().out


def test_opening_a_missing_file_in_the_tui_is_a_clear_error(tmp_path: Path, capsys):
    missing = tmp_path / "missing.aigov.json"
    assert main([str(missing)]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "aigov demo" in err
    assert_clean_error(err)


# -- the module entry point --------------------------------------------------------------------------
def _run_module(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "aigov_tui", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


def test_python_m_aigov_tui_validate(demo: Path, tmp_path: Path):
    ok = _run_module("validate", str(demo), cwd=tmp_path)
    assert ok.returncode == 1, ok.stderr
    assert "open items needing attention" in ok.stdout

    missing = _run_module("validate", str(tmp_path / "missing.aigov.json"), cwd=tmp_path)
    assert missing.returncode == 2
    assert "does not exist" in missing.stderr and "Traceback" not in missing.stderr


def test_broken_user_catalog_is_reported_and_bundled_ones_still_work(tmp_path, capsys, monkeypatch):
    """--catalogs DIR (or AIGOV_CATALOGS) with a broken file: a warning naming file and entry."""
    from aigov_tui.cli import main

    monkeypatch.chdir(tmp_path)
    user = tmp_path / "mine"
    user.mkdir()
    (user / "extra_training.yaml").write_text(
        "catalog: {id: extra_training, name: Extra, kind: training, version: '1', "
        "sources: [us], licence: ours}\n"
        "modules:\n  - id: TM-X1\n    title: Red teaming\n    audience: [security_analyst]\n"
        "    topics: [jailbreaks]\n    controls_27001: [A.9.9]\n",
        encoding="utf-8")
    assert main(["demo", "a.aigov.json"]) == 0
    capsys.readouterr()
    assert main(["export", "a.aigov.json", "--out", "x", "--catalogs", str(user)]) == 0
    err = capsys.readouterr().err
    assert "extra_training.yaml" in err and "modules[0] (TM-X1)" in err and "A.9.9" in err
    monkeypatch.setenv("AIGOV_CATALOGS", str(user))
    assert main(["validate", "a.aigov.json"]) == 1  # the demo's deliberate open items
    assert "extra_training.yaml" in capsys.readouterr().err

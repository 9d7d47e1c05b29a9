"""Fuzz tests: mutated assessment files from others never crash, hang or change.

A Hypothesis strategy takes a valid, well-filled assessment file and mutates it: values of
the wrong type, odd record keys, duplicate and malformed IDs, lone surrogates, oversized
text, damaged risk methods, broken tables, other encodings and truncation. For each
mutated file ``validate`` and ``export`` (through the CLI entry point) and opening it in the
app (headless) must either work or fail with a clear one-line message (exit code 1 or 2,
never 3 and never a traceback), finish within a time limit, and leave the file byte-identical.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import signal
from pathlib import Path
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aigov_tui import cli
from aigov_tui.core import soa
from aigov_tui.core.model import add_record
from aigov_tui.core.registers import CUSTOM_CONTROLS, EVIDENCE
from aigov_tui.core.store import Store

from .conftest import build_programme_demo, catalogs, test_app

_BASE: dict[str, Any] | None = None


def base_document(tmp: Path) -> dict[str, Any]:
    """The programme demo plus evidence, a custom control, SoA and clause rows, as stored."""
    global _BASE
    if _BASE is None:
        cats = catalogs()
        a = build_programme_demo()
        add_record(a, EVIDENCE, {"title": "Pen test", "type": "Test report",
                                 "location": "https://example.org/pentest.pdf",
                                 "controls": ["A.8.24"], "valid_until": "2027-06-30"}, cats)
        add_record(a, CUSTOM_CONTROLS, {"title": "Prompt filter", "objective": "Filter prompts.",
                                        "mapped_27001": ["A.8.16"], "source": "internal"}, cats)
        soa.update_row(a, cats, "A.8.24", {"applicable": "Yes", "status": "Planned",
                                           "justification_inclusion": "Crypto for models"})
        soa.update_clause(a, cats, "6.1.2", {"status": "Addressed", "owner": "CISO"})
        path = tmp / "base.aigov.json"
        Store.create(path, a).close()
        _BASE = json.loads(path.read_text(encoding="utf-8"))
    return copy.deepcopy(_BASE)


# -- the strategy ------------------------------------------------------------------------------
ODD_VALUES = st.one_of(
    st.integers(min_value=-10 ** 30, max_value=10 ** 30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=3),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.text(max_size=30),
    st.sampled_from(["\ud800", "a\udfffb", "2026-13-45", "=HYPERLINK(\"x\")", "x" * 20_000,
                     "SYS-001", "A.8.24", "٣", "\x00\x1b[31m", "Modify", "9" * 400]),
)
ODD_KEYS = st.sampled_from(["٣", "0", "-1", "x", "9" * 30, "1e3", " 2", "\ud800", "", "01"])


@st.composite
def mutations(draw: st.DrawFn) -> list[tuple[str, Any]]:
    return draw(st.lists(st.tuples(
        st.sampled_from(["field", "field", "field", "id", "key", "table", "record", "method",
                         "single", "drop", "surrogate"]),
        st.randoms(use_true_random=False)), min_size=1, max_size=4))


def _pick_record(doc: dict[str, Any], rnd: Any) -> tuple[str, str] | None:
    tables = [t for t, rows in doc.items() if isinstance(rows, dict) and rows
              and t not in ("meta", "counters")]
    if not tables:
        return None
    table = rnd.choice(sorted(tables))
    keys = sorted(doc[table], key=str)
    return table, rnd.choice(keys)


def mutate(doc: dict[str, Any], steps: list[tuple[str, Any]], data: st.DataObject) -> dict[str, Any]:
    for kind, rnd in steps:
        picked = _pick_record(doc, rnd)
        if picked is None:
            break
        table, key = picked
        record = doc[table][key]
        if kind in ("field", "surrogate") and isinstance(record, dict) and record:
            field = rnd.choice(sorted(record, key=str))
            record[field] = ("bad \ud800 text" if kind == "surrogate"
                             else data.draw(ODD_VALUES, label="value"))
        elif kind == "id" and isinstance(record, dict):
            other = [r.get("id") for r in doc[table].values() if isinstance(r, dict)]
            record["id"] = rnd.choice([*other, 7, None, ["SYS-001"], "SYS-" + "9" * 5000,
                                       "R-٣٣٣", "", "A" * 500])
        elif kind == "key":
            doc[table][data.draw(ODD_KEYS, label="key")] = doc[table].pop(key)
        elif kind == "table":
            doc[table] = rnd.choice([[1, 2], "text", 5, None, {"1": [1]}, {"1": "x"}])
        elif kind == "record":
            doc[table][key] = data.draw(ODD_VALUES, label="record")
        elif kind == "method":
            method = doc.setdefault("risk_method", {"1": {}}).setdefault("1", {})
            if isinstance(method, dict):
                method[rnd.choice(["likelihood", "impact", "bands", "acceptance_threshold"])] = rnd.choice([
                    [f"L{i}" for i in range(2000)], ["a", "b"], ["x" * 500] * 5, 5, "High",
                    [{"level": "L", "min": "1", "max": None, "colour": 3}], [], None,
                    [{"level": "Low", "min": 1, "max": 10 ** 12, "colour": "green"}]])
        elif kind == "single":
            name = rnd.choice(["profile", "scope", "counters", "meta"])
            rows = doc.get(name)
            if isinstance(rows, dict) and rows:
                first = rows[sorted(rows, key=str)[0]]
                if isinstance(first, dict):
                    victim = rnd.choice([*sorted(first, key=str), "organisation", "addendum"])
                    if not (name == "meta" and victim == "schema_version"):
                        first[victim] = data.draw(ODD_VALUES, label="single")
        elif kind == "drop" and isinstance(record, dict) and record:
            record.pop(rnd.choice(sorted(record, key=str)))
    return doc


def encode(doc: dict[str, Any], how: str) -> bytes:
    text = json.dumps(doc, ensure_ascii=(how == "ascii"), indent=1)
    if how == "latin-1":
        return text.encode("latin-1", "replace")
    if how == "bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8", "surrogatepass")
    if how.startswith("cut"):
        raw = text.encode("utf-8", "surrogatepass")
        return raw[: len(raw) * int(how[3:]) // 10]
    # lone surrogates cannot be encoded as UTF-8; JSON escapes keep them (valid JSON)
    return text.encode("utf-8", "surrogatepass") if how == "raw" else text.encode("ascii")


ENCODINGS = st.sampled_from(["ascii", "ascii", "ascii", "raw", "latin-1", "bom", "cut5", "cut9"])


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Fail (instead of hanging the suite) when the body takes longer than ``seconds``."""
    def expired(signum: int, frame: Any) -> None:
        raise TimeoutError(f"took longer than {seconds} s: it hangs")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def fast_catalogs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_catalogs", lambda folder: catalogs())


def _write(tmp: Path, content: bytes) -> Path:
    path = tmp / "fuzz.aigov.json"
    path.write_bytes(content)
    return path


def _check_cli(capsys: pytest.CaptureFixture[str], argv: list[str], path: Path,
               content: bytes) -> int:
    with time_limit(30):
        code = cli.main(argv)
    out = capsys.readouterr()
    assert code in (0, 1, 2), (code, out.err)  # 3 would be an internal error
    assert "Traceback" not in out.err and "Traceback" not in out.out
    if code == 2:
        assert out.err.startswith("aigov: error: ") and out.err.count("\n") == 1, out.err
    assert path.read_bytes() == content  # validate and export never change the file
    assert not Path(f"{path}.lock").exists()
    return code


def fuzz_settings(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


@fuzz_settings(180)
@given(steps=mutations(), how=ENCODINGS, data=st.data())
def test_validate_never_crashes_hangs_or_changes_the_file(tmp_path_factory, capsys, fast_catalogs,
                                                          steps, how, data) -> None:
    tmp = tmp_path_factory.mktemp("v")
    content = encode(mutate(base_document(tmp), steps, data), how)
    path = _write(tmp, content)
    _check_cli(capsys, ["validate", str(path)], path, content)


@fuzz_settings(25)
@given(steps=mutations(), how=ENCODINGS, data=st.data())
def test_export_never_crashes_hangs_or_changes_the_file(tmp_path_factory, capsys, fast_catalogs,
                                                        steps, how, data) -> None:
    tmp = tmp_path_factory.mktemp("e")
    content = encode(mutate(base_document(tmp), steps, data), how)
    path = _write(tmp, content)
    code = _check_cli(capsys, ["export", str(path), "--out", str(tmp / "out")], path, content)
    if code in (0, 1):
        assert len(list((tmp / "out").glob("*.xlsx"))) == 1


async def _open_headless(path: Path) -> tuple[Any, list[str]]:
    from aigov_tui.screens.base import StepScreen

    app = test_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.open_assessment(path)
        for _ in range(60):
            await pilot.pause(0.05)
            if app.session is not None or any(n.title == "Cannot open"
                                              for n in app._notifications):
                break
        if app.session is not None:
            for step in range(1, 8):  # every step screen renders its tables from the data
                app.action_goto_step(step)
                await pilot.pause(0.05)
                assert isinstance(app.screen, StepScreen)
            app.action_validate()
            await pilot.pause(0.05)
        messages = [str(n.message) for n in app._notifications]
        session = app.session
        await pilot.press("ctrl+q")
        await pilot.pause(0.2)
    return session, messages


@fuzz_settings(4)
@given(steps=mutations(), how=ENCODINGS, data=st.data())
def test_headless_open_never_crashes_hangs_or_changes_the_file(tmp_path_factory, steps, how,
                                                               data) -> None:
    tmp = tmp_path_factory.mktemp("t")
    content = encode(mutate(base_document(tmp), steps, data), how)
    path = _write(tmp, content)
    with time_limit(60):
        session, messages = asyncio.run(_open_headless(path))
    if session is None:  # refused: a clear message names the file
        assert any(str(path.name) in m for m in messages), messages
    assert path.read_bytes() == content  # opening and browsing never write the file
    assert not Path(f"{path}.lock").exists()  # quit released the lock
    assert all("Traceback" not in m for m in messages)


def test_base_document_is_valid_and_rich(tmp_path: Path, capsys, fast_catalogs) -> None:
    """The fuzz starts from a file that validates with few problems and uses every register."""
    doc = base_document(tmp_path)
    for table in ("ai_systems", "assets", "risks", "evidence", "documents", "training", "people",
                  "assignments", "audits", "checklist", "findings", "custom_controls", "soa",
                  "clauses"):
        assert doc[table], table
    path = _write(tmp_path, json.dumps(doc).encode())
    assert cli.main(["export", str(path), "--out", str(tmp_path / "out")]) == 0

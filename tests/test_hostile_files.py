"""Files from others (issue #13): planted links, special files, wrong-typed and oversized
content, bombs, two names for one file, full disks, shared folders, crashes."""

from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path

import pytest

from aigov_tui import cli
from aigov_tui.core import catalogs as catalogs_mod
from aigov_tui.core import safefile, soa
from aigov_tui.core import store as store_mod
from aigov_tui.core.demo import build_demo
from aigov_tui.core.export import build_workbook
from aigov_tui.core.model import add_record, validate_assessment
from aigov_tui.core.registers import EVIDENCE
from aigov_tui.core.session import Session, check_existing_path
from aigov_tui.core.store import Locked, Store, StoreError, load_read_only
from aigov_tui.core.xlsx import excel_text_literal

from .conftest import TODAY, test_app
from .tui_helpers import settle

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file semantics")


def doc_of(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def write_doc(path: Path, doc: dict) -> bytes:
    data = json.dumps(doc).encode()  # ensure_ascii: lone surrogates stay valid JSON escapes
    path.write_bytes(data)
    return data


# -- the lock file ---------------------------------------------------------------------------
def test_planted_lock_symlink_is_refused_and_its_target_untouched(demo_file: Path, tmp_path: Path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    lock = Path(f"{demo_file}.lock")
    lock.symlink_to(victim)
    with pytest.raises(StoreError) as exc:
        Store.open(demo_file)
    assert "symbolic link" in str(exc.value) and str(lock) in str(exc.value)
    assert victim.read_text() == "precious"
    assert lock.is_symlink()  # left for the user to inspect


def test_lock_file_hard_linked_to_another_file_is_never_written(demo_file: Path, tmp_path: Path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    os.link(victim, f"{demo_file}.lock")
    with pytest.raises(StoreError) as exc:
        Store.open(demo_file)
    assert "hard links" in str(exc.value)
    assert victim.read_text() == "precious"


def test_lock_file_that_is_a_fifo_is_refused_without_hanging(demo_file: Path):
    os.mkfifo(f"{demo_file}.lock")
    with pytest.raises(StoreError) as exc:
        Store.open(demo_file)
    assert "FIFO" in str(exc.value)


def test_full_disk_while_writing_the_lock_holder_still_opens(demo_file: Path, monkeypatch):
    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store_mod.os, "pwrite", full)
    with Store.open(demo_file) as s:
        assert not s.read_only
        with pytest.raises(Locked):
            Store.open(demo_file)


def test_full_disk_on_save_is_a_store_error_and_the_file_is_unchanged(demo_file: Path, monkeypatch):
    before = demo_file.read_bytes()
    with Store.open(demo_file) as s:
        a = s.load()
        a.profile["sector"] = "Changed"

        def full(fd, data):
            raise OSError(errno.ENOSPC, "No space left on device")

        with monkeypatch.context() as m:
            m.setattr(store_mod.os, "write", full)
            with pytest.raises(StoreError) as exc:
                s.save(a)
    assert "disk is full" in str(exc.value)
    assert demo_file.read_bytes() == before
    assert [p.name for p in demo_file.parent.iterdir() if p.name.endswith(".tmp")] == []


# -- one file, one writer, whatever name reaches it -----------------------------------------------
def test_symlink_and_real_name_share_one_lock_and_saves_keep_the_link(demo_file: Path, tmp_path: Path):
    link = tmp_path / "link.aigov.json"
    link.symlink_to(demo_file.resolve())
    with Store.open(link) as via_link:
        with pytest.raises(Locked):
            Store.open(demo_file)
        assert via_link.lock_path == Path(f"{demo_file.resolve()}.lock")
        a = via_link.load()
        a.profile["sector"] = "Through the link"
        via_link.save(a)
    assert link.is_symlink()  # the link stays a link
    assert doc_of(demo_file)["profile"]["1"]["sector"] == "Through the link"


def test_hard_linked_file_opens_read_only_with_the_reason(demo_file: Path, tmp_path: Path):
    os.link(demo_file, tmp_path / "other-name.aigov.json")
    session = Session.open(demo_file)
    try:
        assert session.read_only
        assert any("hard links" in n for n in session.notices)
    finally:
        session.close()
    assert not Path(f"{demo_file}.lock").exists()


# -- special files --------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
def test_special_assessment_paths_are_refused_before_any_read(tmp_path: Path, capsys, kind):
    if kind == "fifo":
        path = tmp_path / "pipe.aigov.json"
        os.mkfifo(path)
    elif kind == "device":
        path = Path("/dev/zero")
    else:
        path = tmp_path / "dir.aigov.json"
        path.mkdir()
    for argv in (["validate", str(path)], ["export", str(path), "--out", str(tmp_path / "o")],
                 [str(path)]):
        assert cli.main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("aigov: error: ") and str(path) in err
    checked, message = check_existing_path(str(path))
    assert checked is None and str(path) in message


def test_oversized_assessment_is_refused_before_reading(tmp_path: Path, monkeypatch):
    path = tmp_path / "big.aigov.json"
    path.write_text(json.dumps({"meta": {"1": {"schema_version": 1}}, "x": "y" * 2000}))
    monkeypatch.setattr(store_mod, "MAX_FILE_BYTES", 1000)
    with pytest.raises(StoreError) as exc:
        load_read_only(path)
    assert "too large" in str(exc.value)


# -- evidence hashing ---------------------------------------------------------------------------
def test_hashing_refuses_devices_and_fifos_without_reading(tmp_path: Path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for path in (Path("/dev/zero"), fifo):
        with pytest.raises(safefile.NotRegularFile) as exc:
            soa.hash_file(str(path))
        assert str(path) in str(exc.value)


def test_hashing_has_a_size_cap_a_time_budget_and_can_be_cancelled(tmp_path: Path):
    f = tmp_path / "big.bin"
    f.write_bytes(b"x" * (3 * 1024 * 1024))
    with pytest.raises(safefile.HashAborted, match="not hashed"):
        safefile.hash_file(f, max_bytes=1024 * 1024)
    ticks = iter(range(0, 1000, 10))
    with pytest.raises(safefile.HashAborted, match="longer than"):
        safefile.hash_file(f, budget=15, clock=lambda: next(ticks))
    with pytest.raises(safefile.HashAborted, match="cancelled"):
        safefile.hash_file(f, cancelled=lambda: True)
    assert safefile.hash_file(f)[1] == 3 * 1024 * 1024


def test_evidence_flags_and_recording_never_hang_on_special_files(a, cats, tmp_path: Path):
    fifo = tmp_path / "pipe.log"
    os.mkfifo(fifo)
    ids = []
    for location in ("/dev/zero", "/dev/urandom", str(fifo)):
        ev = add_record(a, EVIDENCE, {"title": "Odd", "type": "Log", "location": location}, cats)
        ids.append(ev["id"])
        message = soa.record_hash(a, ev["id"])
        assert ev["id"] in message and "not a regular file" in message
        ev["sha256"] = "0" * 64  # as if hashed before the file was swapped for a device
    flags = soa.evidence_flags(a, TODAY)
    assert all(flags[i] == ["not a regular file"] for i in ids)


def test_export_rehashing_is_bounded_by_a_total_budget(a, cats, tmp_path: Path):
    f = tmp_path / "log.txt"
    f.write_text("evidence")
    ev = add_record(a, EVIDENCE, {"title": "Log", "type": "Log", "location": str(f)}, cats)
    assert soa.record_hash(a, ev["id"]) == ""
    assert soa.evidence_flags(a, TODAY, budget=0) == {ev["id"]: ["not checked (time limit)"]}
    assert ev["id"] not in soa.evidence_flags(a, TODAY)


# -- shape at load --------------------------------------------------------------------------------
def test_lone_surrogate_is_repaired_at_load_named_and_the_file_saves(demo_file: Path):
    doc = doc_of(demo_file)
    doc["ai_systems"]["2"]["purpose"] = "Scores \ud800 transactions"
    write_doc(demo_file, doc)
    with Store.open(demo_file) as s:
        a = s.load()
        assert [str(p) for p in s.load_problems] == [
            "AI systems SYS-002: Intended purpose held characters that cannot be saved (lone "
            "surrogates); they were replaced with �."]
        assert a.find("ai_systems", "SYS-002")["purpose"] == "Scores \ufffd transactions"
        s.save(a)
    assert doc_of(demo_file)["ai_systems"]["2"]["purpose"] == "Scores \ufffd transactions"


def test_a_save_that_fails_with_any_exception_is_a_store_error(demo_file: Path, monkeypatch):
    with Store.open(demo_file) as s:
        a = s.load()

        def broken(data):
            raise RuntimeError("serialiser bug")

        with monkeypatch.context() as m:
            m.setattr(s._db.storage, "write", broken)
            with pytest.raises(StoreError, match="RuntimeError: serialiser bug"):
                s.save(a)
        a.profile["sector"] = "x\ud800"  # bypassing input cleaning
        with pytest.raises(StoreError, match="profile › 1 › sector.*UTF-8"):
            s.save(a)


def test_wrong_types_duplicates_and_odd_keys_are_set_aside_never_lost(demo_file: Path, capsys):
    doc = doc_of(demo_file)
    systems = doc["ai_systems"]
    systems["1"]["name"] = ["a", "list"]
    systems["2"]["in_scope"] = {"an": "object"}
    systems["3"]["id"] = "SYS-001"                      # duplicate ID
    systems["٣"] = systems.pop("4")                     # a non-ASCII digit as record key
    systems["9" * 5000] = systems.pop("5")              # a 5,000-digit key
    doc["profile"]["1"]["frameworks"] = 7
    before = write_doc(demo_file, doc)

    assert cli.main(["validate", str(demo_file)]) == 1
    out = capsys.readouterr().out
    assert "AI systems SYS-001: Name should be a list" not in out
    assert "AI systems SYS-001: Name should be text but is a list" in out
    assert "AI systems SYS-002: In ISMS scope should be text but is an object" in out
    assert "AI systems SYS-001: record set aside in 'quarantine': its ID SYS-001 is used" in out
    assert "record key '٣' is not a plain number" in out
    assert "Organisation profile: Frameworks in scope should be a list of texts" in out
    assert demo_file.read_bytes() == before

    with Store.open(demo_file) as s:
        a = s.load()
        ids = [r["id"] for r in a.records("ai_systems")]
        assert sorted(ids) == ["SYS-001", "SYS-002", "SYS-004", "SYS-005"]
        assert a.find("ai_systems", "SYS-001")["name"] == ""
        s.save(a)
    quarantine = list(doc_of(demo_file)["quarantine"].values())
    assert {"table": "ai_systems", "id": "SYS-001", "field": "name", "reason": "expected text",
            "value": ["a", "list"]} in quarantine
    assert any(q["field"] == "" and q["value"]["purpose"] == doc["ai_systems"]["3"]["purpose"]
               for q in quarantine)  # the duplicate record is kept whole
    # once saved, validate still says values wait in the quarantine table
    assert any(p.field == "quarantine" for p in validate_assessment(load_read_only(demo_file)))

    # and an export says on its Cover, and on stderr, that those values are not in it
    out_dir = demo_file.parent / "out"
    assert cli.main(["export", "--out", str(out_dir), str(demo_file)]) == 1
    err = capsys.readouterr().err
    assert "quarantine" in err and "not in the workbook" in err
    import openpyxl

    cover = openpyxl.load_workbook(next(out_dir.glob("*.xlsx")))["Cover"]
    notes = {r[0].value: r[1].value for r in cover.iter_rows(min_row=3, max_col=2)}
    assert f"{len(quarantine)} value(s)" in notes["Left out"]


@pytest.mark.parametrize("method", [
    {"likelihood": [f"L{i}" for i in range(2000)], "impact": [f"I{i}" for i in range(2000)]},
    {"likelihood": ["x" * 81, "b", "c"], "impact": ["a", "b", "c"]},
    {"likelihood": ["a", "b"], "impact": ["a", "b"]},
    {"bands": [{"level": "L", "min": "1", "max": None, "colour": 3}]},
    {"likelihood": "High"},
])
def test_risk_method_outside_limits_is_refused_and_kept(risk_file: Path, tmp_path: Path, method):
    doc = doc_of(risk_file)
    doc["risk_method"]["1"].update(method)
    before = write_doc(risk_file, doc)
    a = load_read_only(risk_file)
    assert a.risk_method["likelihood"] == ["Rare", "Unlikely", "Possible", "Likely", "Almost certain"]
    assert any("risk method cannot be used" in str(p) for p in a.load_problems)
    build_workbook(a, TODAY)  # scoring and the heat map work with the default method
    assert risk_file.read_bytes() == before


def test_risk_method_labels_are_limited_to_80_characters():
    from aigov_tui.core import scoring

    method = scoring.default_method()
    method["likelihood"][0] = "x" * 81
    assert any("81 characters" in p for p in scoring.validate_method(method))


# -- catalogs ------------------------------------------------------------------------------------
BOMB = """catalog: {id: bomb, name: Bomb, kind: threats, version: "1", sources: [x], licence: x}
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
threats: []
"""


def test_user_catalog_with_yaml_aliases_is_skipped_with_a_message(tmp_path: Path):
    (tmp_path / "bomb.yaml").write_text(BOMB)
    os.mkfifo(tmp_path / "pipe.yaml")
    cats = catalogs_mod.load_catalogs(tmp_path)
    assert any("bomb.yaml" in m and "aliases" in m for m in cats.skipped), cats.skipped
    assert any("pipe.yaml" in m and "FIFO" in m for m in cats.skipped), cats.skipped
    assert "bomb" not in [f.id for f in cats.files]


# -- crashes and exit codes -----------------------------------------------------------------------
def test_cli_internal_error_exits_3_with_one_line_and_a_private_report(demo_file, capsys,
                                                                       monkeypatch):
    def bug(*args, **kwargs):
        secret = "assessment contents"  # noqa: F841 - a local that must never be shown
        raise KeyError("boom")

    monkeypatch.setattr(cli, "cmd_validate", bug)
    assert cli.main(["validate", str(demo_file)]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error (KeyError)" in err
    assert "Traceback" not in err and "assessment contents" not in err
    report = Path(err.split("written to ")[1].rstrip(".\n"))
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    assert "KeyError" in report.read_text() and "assessment contents" not in report.read_text()


def test_exit_codes_are_distinct(demo_file, capsys):
    assert cli.main(["validate", str(demo_file)]) in (0, 1)
    assert cli.main(["validate", "missing.aigov.json"]) == 2
    assert cli.main(["validate"]) == 2
    capsys.readouterr()


async def test_tui_crash_releases_the_lock_and_shows_no_locals(demo_file: Path):
    app = test_app(demo_file)
    with pytest.raises(ZeroDivisionError):
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, 4)
            assert Path(f"{demo_file}.lock").exists()
            secret = "assessment contents"  # noqa: F841
            app.call_later(lambda: 1 / 0)
            await settle(pilot, 4)
    assert app.return_code == 3
    assert not Path(f"{demo_file}.lock").exists()
    shown = "".join(str(r) for r in app._exit_renderables)
    assert "assessment contents" not in shown


async def test_tui_save_failure_of_any_type_shows_not_saved_and_quit_still_works(demo_file: Path):
    app = test_app(demo_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, 4)
        store = app.session.store

        def broken(data):
            raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")

        store._db.storage.write = broken
        app.action_save()
        await settle(pilot, 4)
        assert app.save_state == "NOT SAVED"
        assert any(n.title == "Not saved" for n in app._notifications)
        await pilot.press("ctrl+q")          # the save on quit fails too: told, not hung
        await settle(pilot, 4)
        assert app.is_running and app._close_failed
        await pilot.press("ctrl+q")          # a second ctrl+q quits without saving
        await settle(pilot, 4)
    assert not Path(f"{demo_file}.lock").exists()


# -- shared folders -------------------------------------------------------------------------------
def test_save_keeps_the_mode_and_group_of_an_existing_file(demo_file: Path, tmp_path: Path):
    os.chmod(demo_file, 0o660)
    gid = os.stat(demo_file).st_gid
    with Store.open(demo_file) as s:
        s.save(s.load())
    st = os.stat(demo_file)
    assert stat.S_IMODE(st.st_mode) == 0o660 and st.st_gid == gid
    new = tmp_path / "new.aigov.json"
    Store.create(new, build_demo(TODAY)).close()
    assert stat.S_IMODE(os.stat(new).st_mode) == 0o600


# -- the small ones ---------------------------------------------------------------------------------
def test_rule_literal_never_splits_a_doubled_quote():
    for n in range(245, 252):
        lit = excel_text_literal("a" * n + '"' * 10)
        inner = lit[1:-1]
        assert len(inner) <= 250 and lit.startswith('"') and lit.endswith('"')
        assert inner.replace('""', "").count('"') == 0  # every quote inside is doubled


def test_page_header_stays_within_255_characters():
    a = build_demo(TODAY)
    a.profile["organisation"] = "&" * 150 + "x" * 100
    a.profile["classification"] = "Confidential &" * 10
    writer = build_workbook(a, TODAY)
    for ws in writer.wb.worksheets:
        assert len(str(ws.oddHeader)) <= 255
        assert "&&&" not in str(ws.oddHeader).replace("&&", "")  # no half an escaped '&'



@pytest.mark.parametrize("name", ["bad\x00name.aigov.json", "bad\ud800.aigov.json",
                                  "bad\x1b[31m.aigov.json"])
def test_unusable_typed_file_names_are_refused_with_a_message(workdir: Path, name: str):
    from aigov_tui.core.session import check_new_path

    path, message = check_new_path(name, "Acme")
    assert path is None and "choose another name" in message
    path, message = check_existing_path(name)
    assert path is None and message
    with pytest.raises(StoreError):
        Store.create(Path(name), build_demo(TODAY))
    assert list(workdir.iterdir()) == []


def test_recent_files_list_that_is_a_fifo_does_not_hang(isolated_home: Path):
    from aigov_tui.core import settings

    folder = isolated_home / "config"
    folder.mkdir(parents=True, exist_ok=True)
    os.mkfifo(folder / "recent.json")
    assert settings.recent_files() == []

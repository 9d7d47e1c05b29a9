"""The only code that opens an assessment file.

An assessment is one TinyDB JSON document file (``*.aigov.json``): one table per register
and tables for metadata, profile, scope and ID counters. The store

* writes atomically (temp file in the same folder, fsync, rename, fsync of the folder), so a
  kill at any moment leaves the old or the new file, never a torn one;
* holds an exclusive lock (``flock`` on ``FILE.lock``) while a process may write; the kernel
  drops it when a process dies, so a lock file left by a killed process is recognised as
  stale and taken over;
* refuses a corrupt file or one written by a newer version, naming the file, and never
  overwrites it;
* copies the file to ``FILE.bak`` before a migration or an import;
* creates files with mode 0600 (assessments are confidential); a save of an existing file
  keeps its mode and group, so a team sharing a group-writable folder keeps access;
* identifies an assessment by its real path: a symlink or another name reaches the same lock
  (``REALFILE.lock`` next to the real file) and a save writes the real file, never replaces
  the link; a file with several hard links opens read-only (a save would split them);
* refuses folders, FIFOs, devices and sockets before reading a byte, and files over
  :data:`MAX_FILE_BYTES`;
* creates the lock file with ``O_NOFOLLOW``/``O_EXCL`` and checks that an existing one is a
  regular file with one link and an expected owner before writing to it;
* checks the shape of every record as it is read (:mod:`.shape`): wrong-typed values and bad
  records are set aside in the ``quarantine`` table and reported, never crash later code;
* serialises saves from worker threads, and never lets an older snapshot overwrite a newer one;
  every save failure, whatever its cause, is raised as a :class:`StoreError` with a message.
"""

from __future__ import annotations

import copy
import errno
import fcntl
import json
import os
import re
import socket
import stat
import tempfile
import threading
import uuid
from pathlib import Path
from typing import Any, Callable

from tinydb import Storage, TinyDB

from . import safefile
from .model import SCHEMA_VERSION, Assessment, now_iso
from .registers import TABLES
from .schema import Problem
from .shape import shape_document

SUFFIX = ".aigov.json"
FILE_MODE = 0o600
SINGLE_TABLES = ("meta", "profile", "scope", "counters", "risk_method")
MAX_FILE_BYTES = 256 * 1024 ** 2
"""Largest assessment file read; a bigger one is refused before it is read."""
_DOC_KEY = re.compile(r"[1-9][0-9]{0,9}")


def _key_order(key: Any) -> tuple[int, int]:
    """Sort TinyDB document keys numerically; odd keys (not plain ASCII numbers) go last."""
    if isinstance(key, str) and _DOC_KEY.fullmatch(key):
        return 0, int(key)
    return 1, 0

MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}
"""Migration functions by the schema version they upgrade *from* (n -> n + 1)."""


class StoreError(Exception):
    """A problem with an assessment file; the message names the file and what to do."""


class CorruptFile(StoreError):
    pass


class NewerSchema(StoreError):
    pass


class Locked(StoreError):
    def __init__(self, path: Path, holder: str):
        self.path = path
        self.holder = holder
        super().__init__(f"{path} is open for writing in another aigov ({holder}).")


class ReadOnly(StoreError):
    pass


# -- TinyDB storage --------------------------------------------------------------------------
def _os_message(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno == errno.EDQUOT:
        return "the disk quota is exceeded"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EROFS:
        return "the file system is read-only"
    return safefile.describe_os_error(exc)


def atomic_write_bytes(path: Path, data: bytes, mode: int = FILE_MODE, *,
                       keep_mode: bool = True) -> None:
    """Write ``data`` to ``path`` so readers see the old or the new file, never a mix.

    The temp file is created next to ``path`` with ``O_EXCL | O_NOFOLLOW`` (``mkstemp``).
    When ``path`` is an existing regular file its permission bits and group are kept (a
    shared group-writable file stays shared); a new file gets ``mode``. ``path`` itself is
    replaced by ``rename``, which never follows a link planted at that name.
    """
    path = Path(path)
    try:
        old = os.lstat(path)
    except FileNotFoundError:
        old = None
    keep = keep_mode and old is not None and stat.S_ISREG(old.st_mode)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fchmod(fd, stat.S_IMODE(old.st_mode) if keep else mode)  # type: ignore[union-attr]
            if keep and old.st_gid != os.getegid():  # type: ignore[union-attr]
                try:
                    os.fchown(fd, -1, old.st_gid)  # type: ignore[union-attr]
                except OSError:
                    pass  # not a member of that group: the file becomes ours
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(path.parent)


def atomic_write_text(path: Path, text: str, mode: int = FILE_MODE) -> None:
    """Write UTF-8 ``text`` atomically (see :func:`atomic_write_bytes`).

    Raises UnicodeEncodeError, before anything is written, for text UTF-8 cannot hold.
    """
    atomic_write_bytes(path, text.encode("utf-8"), mode)


def _fsync_dir(folder: Path) -> None:
    try:
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def read_assessment_bytes(path: Path) -> bytes:
    """The bytes of an assessment file: regular files only, at most MAX_FILE_BYTES.

    Raises StoreError (not found, not a regular file, too large, unreadable).
    """
    try:
        return safefile.read_bytes_limited(path, MAX_FILE_BYTES)
    except FileNotFoundError:
        raise StoreError(f"{path} does not exist.") from None
    except safefile.NotRegularFile as exc:
        raise StoreError(f"{exc}; it is not an assessment file and was not read.") from None
    except ValueError as exc:
        raise StoreError(f"{exc}: too large for an assessment file; it was not read.") from None
    except OSError as exc:
        raise StoreError(f"{path} cannot be read: {_os_message(exc)}.") from None


def _unencodable_where(document: Any) -> str:
    """Where the first text UTF-8 cannot hold is in a document (only called after a failure)."""
    stack: list[tuple[Any, list[str]]] = [(document, [])]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return " › ".join(where) or "the document"
        elif isinstance(value, dict):
            for k, v in value.items():
                stack.append((v, [*where, str(k).encode("utf-8", "replace").decode()]))
                stack.append((k, where))
        elif isinstance(value, list):
            stack.extend((v, where) for v in value)
    return "the document"


class AtomicJSONStorage(Storage):
    """A TinyDB storage that reads JSON and writes it atomically with mode 0600."""

    def __init__(self, path: str | Path, read_only: bool = False):
        self.path = Path(path)
        self.read_only = read_only

    def read(self) -> dict[str, Any] | None:
        text = read_assessment_bytes(self.path).decode("utf-8")
        if not text.strip():
            return None
        return json.loads(text)

    def write(self, data: "dict[str, Any] | Snapshot") -> None:
        if self.read_only:
            raise ReadOnly(f"{self.path} is open read-only.")
        text = data.text() if isinstance(data, Snapshot) else document_text(data)
        atomic_write_text(self.path, text)

    def close(self) -> None:
        pass


# -- document <-> assessment -----------------------------------------------------------------
def to_document(assessment: Assessment) -> dict[str, Any]:
    """The TinyDB document (table -> doc id -> record) for an assessment."""
    doc: dict[str, Any] = {
        "meta": {"1": dict(assessment.meta)},
        "profile": {"1": dict(assessment.profile)},
        "scope": {"1": dict(assessment.scope)},
        "counters": {"1": dict(assessment.counters)},
        "risk_method": {"1": dict(assessment.risk_method)},
    }
    for name, records in assessment.registers.items():
        doc[name] = {str(i): dict(r) for i, r in enumerate(records, start=1)}
    for name, table in assessment.extra.items():
        doc.setdefault(name, table)
    return json.loads(json.dumps(doc))  # a deep, JSON-clean snapshot


# -- the file's text ---------------------------------------------------------------------------
# One record per line: compact JSON (the fast C encoder) that still diffs record by record, e.g.
#   {"meta": {"1": {...}},
#   "risks": {
#   "1": {"id": "R-001", ...},
#   "2": {"id": "R-002", ...}}}


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _table_text(name: str, texts: list[str]) -> str:
    body = ",\n".join(f'"{i}": {t}' for i, t in enumerate(texts, start=1))
    return f"{_dump(name)}: {{\n{body}}}" if texts else f"{_dump(name)}: {{}}"


def _single_text(name: str, record: dict[str, Any]) -> str:
    return f'{_dump(name)}: {{"1": {_dump(record)}}}'


def _join(parts: list[str]) -> str:
    return "{" + ",\n".join(parts) + "}\n"


def document_text(doc: dict[str, Any]) -> str:
    """The file text of a TinyDB document (table -> doc id -> record)."""
    parts = []
    for name, table in doc.items():
        if isinstance(table, dict) and all(isinstance(v, dict) for v in table.values()) and (
                name not in SINGLE_TABLES or len(table) != 1 or "1" not in table):
            body = ",\n".join(f"{_dump(str(k))}: {_dump(v)}" for k, v in table.items())
            parts.append(f"{_dump(name)}: {{\n{body}}}" if table else f"{_dump(name)}: {{}}")
        elif name in SINGLE_TABLES and isinstance(table, dict):
            parts.append(_single_text(name, table["1"]))
        else:
            parts.append(f"{_dump(name)}: {_dump(table)}")
    return _join(parts)


class Snapshot:
    """A save's content, fixed at the moment it was taken: text pieces only (immutable), so a
    worker thread can write it while the user goes on editing."""

    def __init__(self, parts: list[tuple[str, Any]], source: Any = None):
        self._parts = parts
        self.source = source
        """The assessment it was taken from: only to name a field in an error message."""

    def text(self) -> str:
        out = []
        for kind, value in self._parts:
            if kind == "table":
                out.append(_table_text(*value))
            else:
                out.append(value)
        return _join(out)


class DocumentText:
    """Each record's JSON text, kept between saves: a save re-serialises only the records that
    changed since the last one (the assessment's change log says which), so its cost on the
    UI thread follows the edit, not the file."""

    def __init__(self) -> None:
        self._rev: int | None = None
        self._texts: dict[str, dict[str, str]] = {}

    def snapshot(self, assessment: Assessment, *, fresh: bool = False) -> Snapshot:
        log = assessment.changes
        start = log.rev
        changes = None if (fresh or self._rev is None) else log.since(self._rev)
        meta = dict(assessment.meta)
        meta["schema_version"] = SCHEMA_VERSION
        meta.setdefault("created", now_iso())
        parts: list[tuple[str, Any]] = [
            ("text", _single_text("meta", meta)),
            ("text", _single_text("profile", dict(assessment.profile))),
            ("text", _single_text("scope", dict(assessment.scope))),
            ("text", _single_text("counters", dict(assessment.counters))),
            ("text", _single_text("risk_method", dict(assessment.risk_method))),
        ]
        for name, records in assessment.registers.items():
            ids = [str(r.get("id")) for r in records]
            if len(set(ids)) != len(ids):  # a damaged file repeats an ID: no per-ID cache
                self._texts.pop(name, None)
                parts.append(("table", (name, [_dump(r) for r in records])))
                continue
            cache = self._texts.get(name)
            if cache is None or changes is None or changes.get(name, ()) is None:
                cache = {rid: _dump(r) for rid, r in zip(ids, records)}
            else:
                dirty = changes.get(name) or ()
                for rid, r in zip(ids, records):
                    if rid in dirty or rid not in cache:
                        cache[rid] = _dump(r)
                if len(cache) > len(ids):
                    cache = {rid: cache[rid] for rid in ids}
            self._texts[name] = cache
            parts.append(("table", (name, [cache[rid] for rid in ids])))
        for name, table in assessment.extra.items():
            if name not in assessment.registers:
                parts.append(("text", f"{_dump(name)}: {_dump(table)}"))
        self._rev = start
        return Snapshot(parts, assessment)


def _single(doc: dict[str, Any], table: str, path: Path) -> dict[str, Any]:
    rows = doc.get(table, {})
    if not isinstance(rows, dict):
        raise CorruptFile(f"{path}: table '{table}' is not a TinyDB table.")
    if not rows:
        return {}
    first = rows[sorted(rows, key=_key_order)[0]]
    if not isinstance(first, dict):
        raise CorruptFile(f"{path}: table '{table}' does not hold a record.")
    return dict(first)


def from_document(doc: Any, path: Path) -> Assessment:
    if not isinstance(doc, dict):
        raise CorruptFile(f"{path} is not an aigov assessment (expected a JSON object of tables).")
    meta = _single(doc, "meta", path)
    if "schema_version" not in meta:
        raise CorruptFile(f"{path} is not an aigov assessment (no schema_version in its meta table).")
    a = Assessment()
    a.meta = meta
    profile = _single(doc, "profile", path)
    a.profile.update(profile)
    if not meta.get("assessment_id"):
        # files from before the ID: one derived from what the file already holds, the same on
        # every load until the next save stores it (workbooks name their assessment by it)
        seed = f"aigov:{meta.get('created') or ''}:{profile.get('organisation') or ''}"
        meta["assessment_id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, seed))
    a.scope.update(_single(doc, "scope", path))
    method = _single(doc, "risk_method", path)
    if method:
        a.risk_method = method
    a.counters = {str(k): int(v) for k, v in _single(doc, "counters", path).items()
                  if isinstance(v, int)}
    for name, table in doc.items():
        if name in SINGLE_TABLES:
            continue
        if name not in TABLES:
            a.extra[name] = table
            continue
        if not isinstance(table, dict):
            raise CorruptFile(f"{path}: table '{name}' is not a TinyDB table.")
        records = []
        for doc_id in sorted(table, key=_key_order):
            record = table[doc_id]
            if not isinstance(record, dict):
                raise CorruptFile(f"{path}: record {doc_id} of table '{name}' is not an object.")
            records.append(dict(record))
        a.registers[name] = records
    return a


def migrate(doc: dict[str, Any], path: Path) -> tuple[dict[str, Any], int]:
    """Upgrade a document to SCHEMA_VERSION. Returns (document, version it had)."""
    meta = _single(doc, "meta", path)
    version = meta.get("schema_version")
    if not isinstance(version, int) or version < 1:
        raise CorruptFile(f"{path}: schema_version {version!r} is not a positive whole number.")
    if version > SCHEMA_VERSION:
        raise NewerSchema(
            f"{path} was written by a newer aigov (schema version {version}; this one reads up to "
            f"{SCHEMA_VERSION}). Upgrade aigov-tui to open it; the file was not changed."
        )
    start = version
    while version < SCHEMA_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise StoreError(f"{path}: no migration from schema version {version}.")
        doc = step(doc)
        version += 1
        doc["meta"]["1"]["schema_version"] = version
    return doc, start


# -- the store ---------------------------------------------------------------------------------
class Store:
    """An open assessment file. Use :meth:`open` or :meth:`create`.

    ``path`` is the name the file was opened by (shown to the user); ``real_path`` is the
    file it names once links are resolved: the lock, the temp files and the saves are there.
    """

    def __init__(self, path: Path, read_only: bool):
        self.path = Path(path)
        self.real_path = Path(os.path.realpath(self.path))
        self.read_only = read_only
        self.lock_holder = ""
        """Who holds the lock, when this store was opened read-only because of it."""
        self.read_only_reason = ""
        """Why the store was opened read-only although writing was asked for (hard links)."""
        self.recovered_stale_lock = ""
        """Set when a lock left by a process that no longer runs was taken over."""
        self.migrated_from: int | None = None
        self.load_problems: list[Problem] = []
        """Problems the shape check found in the file at the last :meth:`load`."""
        self._lock_fd: int | None = None
        self._save_lock = threading.Lock()
        self._written_seq = 0
        self._snap_seq = 0
        self._text = DocumentText()
        self._loaded: dict[str, Any] | None = None
        self._db = TinyDB(self.real_path, storage=AtomicJSONStorage, read_only=read_only)

    # opening ----------------------------------------------------------------------------
    @staticmethod
    def _check_existing(path: Path) -> os.stat_result:
        """Refuse a missing path, a folder, FIFO, device or socket before anything is read."""
        bad = safefile.bad_name(str(path))
        if bad:
            raise StoreError(f"The file name {str(path)!r} {bad}; nothing was opened.")
        try:
            return safefile.check_regular(path)
        except FileNotFoundError:
            raise StoreError(f"{path} does not exist.") from None
        except safefile.NotRegularFile as exc:
            if os.path.isdir(path):
                raise StoreError(f"{path} is a folder, not an assessment file.") from None
            raise StoreError(f"{exc}; it is not an assessment file and was not read.") from None
        except OSError as exc:
            raise StoreError(f"{path} cannot be opened: {_os_message(exc)}.") from None

    @classmethod
    def check_openable(cls, path: str | Path) -> None:
        """Raise StoreError unless ``path`` names an existing regular file (nothing is read)."""
        cls._check_existing(Path(path).expanduser())

    @classmethod
    def open(cls, path: str | Path, *, read_only: bool = False) -> "Store":
        """Open an existing assessment. Raises StoreError subclasses with clear messages."""
        path = Path(path).expanduser()
        st = cls._check_existing(path)
        store = cls(path, read_only=True)
        if not read_only and st.st_nlink > 1:
            store.read_only_reason = (
                f"{path.name} has {st.st_nlink} hard links (other names for the same file); "
                "saving would split them, so it is open read-only. Open a copy to edit it.")
        elif not read_only:
            store._acquire_lock()
            store.read_only = False
            store._db.storage.read_only = False
        try:
            store._check_and_migrate()
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def open_or_read_only(cls, path: str | Path) -> "Store":
        """Open for writing, or read-only (with ``lock_holder`` set) when another aigov has it."""
        try:
            return cls.open(path)
        except Locked as exc:
            store = cls.open(path, read_only=True)
            store.lock_holder = exc.holder
            return store

    @classmethod
    def create(cls, path: str | Path, assessment: Assessment, *, overwrite: bool = False) -> "Store":
        """Create a new assessment file (mode 0600) and open it for writing.

        With ``overwrite`` an existing file is kept as ``FILE.bak`` first; a symbolic link is
        written through (its target is replaced, the link stays).
        """
        path = Path(path).expanduser()
        bad = safefile.bad_name(str(path))
        if bad:
            raise StoreError(f"The file name {str(path)!r} {bad}; choose another name.")
        if path.is_dir():
            raise StoreError(f"{path} is a folder; give a file name ending in {SUFFIX}.")
        if not path.parent.exists():
            raise StoreError(f"The folder {path.parent} does not exist.")
        if os.path.lexists(path) and not overwrite:
            raise StoreError(f"{path} already exists; choose another name.")
        if os.path.lexists(path):
            st = cls._check_existing(path)
            if st.st_nlink > 1:
                raise StoreError(f"{path} has {st.st_nlink} hard links; overwriting it would "
                                 "split them. Remove the other names or choose another name.")
        store = cls(path, read_only=True)
        store._acquire_lock()
        store.read_only = False
        store._db.storage.read_only = False
        try:
            if store.real_path.exists():
                # overwriting: keep the previous file as a backup, never silently lose it
                store.backup()
            store.save(assessment)
        except BaseException:
            store.close()
            raise
        return store

    def _check_and_migrate(self) -> None:
        doc = self._read_document()
        version = _single(doc, "meta", self.path).get("schema_version")
        if not isinstance(version, int) or version >= SCHEMA_VERSION:
            migrate(doc, self.path)  # only checks: nothing to upgrade
        elif not self.read_only:
            migrate(copy.deepcopy(doc), self.path)  # a dry run: refuse before any backup or write
            self.migrated_from = version
            self.backup()
            doc, _ = migrate(doc, self.path)
            self._db.storage.write(doc)
        else:
            migrate(copy.deepcopy(doc), self.path)
            self.migrated_from = version  # load() upgrades the copy in memory; the file stays
        self._loaded = doc  # load() takes it instead of reading and parsing the file again

    def _read_document(self) -> dict[str, Any]:
        if self.real_path != self.path:
            self._check_existing(self.path)
        try:
            doc = self._db.storage.read()
        except json.JSONDecodeError as exc:
            raise CorruptFile(
                f"{self.path} is damaged: it is not valid JSON (line {exc.lineno}, column "
                f"{exc.colno}: {exc.msg}). It was not changed; restore {self.path.name}.bak "
                "or an earlier copy."
            ) from None
        except UnicodeDecodeError:
            raise CorruptFile(f"{self.path} is not a text file; it is not an aigov assessment.") from None
        except (ValueError, RecursionError) as exc:
            # e.g. nesting too deep or an integer too long for Python's JSON parser
            raise CorruptFile(
                f"{self.path} is damaged: it cannot be read as JSON ({exc}). It was not changed; "
                f"restore {self.path.name}.bak or an earlier copy."
            ) from None
        except PermissionError:
            raise StoreError(f"{self.path} cannot be read: permission denied.") from None
        except OSError as exc:
            raise StoreError(f"{self.path} cannot be read: {_os_message(exc)}.") from None
        if doc is None:
            raise CorruptFile(f"{self.path} is empty; it is not an aigov assessment.")
        if not isinstance(doc, dict):
            raise CorruptFile(f"{self.path} is not an aigov assessment (expected a JSON object of tables).")
        return doc

    # locking ----------------------------------------------------------------------------
    @property
    def lock_path(self) -> Path:
        """``REALFILE.lock`` next to the real file, whatever name the file was opened by."""
        return self.real_path.with_name(self.real_path.name + ".lock")

    def _open_lock_file(self) -> tuple[int, bool]:
        """Open or create the lock file without following links. Returns (fd, ours): ``ours``
        when this user may write who holds the lock into it.

        An existing lock file must be a regular file with a single link; anything else (a
        planted symlink, a hard link to some other file, a FIFO) is refused and never
        written to. Another user's lock file (a teammate in a shared folder) is only locked,
        never written.
        """
        flags = os.O_RDWR | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
        lock = self.lock_path
        try:
            return os.open(lock, flags | os.O_CREAT | os.O_EXCL, FILE_MODE), True
        except FileExistsError:
            pass
        except OSError as exc:
            raise StoreError(f"Cannot create the lock file {lock}: {_os_message(exc)}.") from None
        try:
            fd = os.open(lock, flags)
        except FileNotFoundError:
            return self._open_lock_file()  # removed meanwhile by the aigov that held it
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise StoreError(f"The lock file {lock} is a symbolic link; aigov does not follow "
                                 "it. Someone may be trying to make aigov overwrite another file: "
                                 "check and remove the link.") from None
            if exc.errno in (errno.EACCES, errno.EPERM):
                try:  # another user's lock in a shared folder: flock works read-only too
                    fd = os.open(lock, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
                except OSError as exc2:
                    raise StoreError(f"Cannot open the lock file {lock}: "
                                     f"{_os_message(exc2)}.") from None
            else:
                raise StoreError(f"Cannot open the lock file {lock}: {_os_message(exc)}.") from None
        st = os.fstat(fd)
        problem = ""
        if not stat.S_ISREG(st.st_mode):
            problem = f"is {safefile.kind_of(st.st_mode)}"
        elif st.st_nlink != 1:
            problem = "has other names (hard links)"
        if problem:
            os.close(fd)
            raise StoreError(f"The lock file {lock} {problem}; aigov will not use it. Check and "
                             "remove it, then open the assessment again.")
        return fd, st.st_uid == os.geteuid()

    def _acquire_lock(self) -> None:
        while True:
            fd, ours = self._open_lock_file()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                holder = _read_holder(fd)
                os.close(fd)
                if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise Locked(self.path, holder or "unknown process") from None
                raise StoreError(f"Cannot lock {self.path}: {_os_message(exc)}.") from None
            # The lock file may have been removed and recreated between open and flock.
            try:
                same = os.fstat(fd).st_ino == os.lstat(self.lock_path).st_ino
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
            previous = _read_holder(fd)
            if previous:
                self.recovered_stale_lock = previous
            if ours:
                try:  # who holds it is only informative: a full disk must not stop the open
                    os.ftruncate(fd, 0)
                    os.pwrite(fd, _holder_text().encode(), 0)
                    os.fsync(fd)
                except OSError:
                    pass
            self._lock_fd = fd
            self._remove_stale_temp_files()
            return

    def close(self) -> None:
        if self._lock_fd is not None:
            try:
                if os.fstat(self._lock_fd).st_ino == os.lstat(self.lock_path).st_ino:
                    os.unlink(self.lock_path)
            except OSError:
                pass
            try:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            except OSError:
                pass
            os.close(self._lock_fd)
            self._lock_fd = None
        self._db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # reading and writing -----------------------------------------------------------------
    def load(self) -> Assessment:
        """Read, migrate and shape-check the file; problems found are in ``load_problems``."""
        doc, self._loaded = self._loaded, None
        if doc is None:
            doc = self._read_document()
        doc, _ = migrate(doc, self.path)
        doc, self.load_problems = shape_document(doc)
        assessment = from_document(doc, self.path)
        assessment.load_problems = list(self.load_problems)
        return assessment

    @property
    def snapshots_taken(self) -> int:
        """How many snapshots were taken since opening (0: nothing was changed or saved)."""
        return self._snap_seq

    def snapshot(self, assessment: Assessment, *, fresh: bool = False) -> tuple[int, Snapshot]:
        """Take a numbered snapshot to save later (e.g. from a worker thread). Cheap: only the
        records changed since the last snapshot are serialised again (``fresh`` serialises all,
        as a save on request or at close does)."""
        with self._save_lock:
            self._snap_seq += 1
            seq = self._snap_seq
            return seq, self._text.snapshot(assessment, fresh=fresh)

    def prime(self, assessment: Assessment) -> None:
        """Serialise every record once, ahead of the first save (e.g. in the thread that opened
        the file), so that the first edit's save costs no more than any other."""
        with self._save_lock:
            try:
                self._text.snapshot(assessment, fresh=True)
            except (RuntimeError, TypeError, ValueError):  # edited meanwhile: the next save does it
                self._text = DocumentText()

    def save(self, assessment: Assessment) -> None:
        self.write_snapshot(*self.snapshot(assessment, fresh=True))

    def write_snapshot(self, seq: int, document: "dict[str, Any] | Snapshot") -> bool:
        """Write a snapshot unless a newer one was already written. Thread-safe."""
        if self.read_only:
            raise ReadOnly(f"{self.path} is open read-only; changes cannot be saved.")
        with self._save_lock:
            if seq < self._written_seq:
                return False
            if not isinstance(document, Snapshot):
                meta = document.setdefault("meta", {}).setdefault("1", {})
                meta["schema_version"] = SCHEMA_VERSION
                meta.setdefault("created", now_iso())
            try:
                self._db.storage.write(document)
            except ReadOnly:
                raise
            except UnicodeEncodeError:
                raise StoreError(
                    f"Could not save {self.path}: {_unencodable_where(to_document(document.source) if isinstance(document, Snapshot) else document)} holds text that "
                    "cannot be written as UTF-8 (a lone surrogate); the file was not changed."
                ) from None
            except OSError as exc:
                raise StoreError(f"Could not save {self.path}: {_os_message(exc)}; the file "
                                 "on disk was not changed.") from None
            except Exception as exc:  # any other failure is still a failed save, reported
                raise StoreError(f"Could not save {self.path}: {type(exc).__name__}: {exc}; the "
                                 "file on disk was not changed.") from None
            self._written_seq = seq
            return True

    def backup(self) -> Path | None:
        """Copy the file to FILE.bak (mode 0600) before a risky change."""
        if not self.real_path.exists():
            return None
        bak = self.real_path.with_name(self.real_path.name + ".bak")
        data = read_assessment_bytes(self.real_path)
        try:
            if os.path.lexists(bak) and not stat.S_ISREG(os.lstat(bak).st_mode):
                raise StoreError(f"{bak} is not a regular file; remove it so a backup can be "
                                 "written. Nothing was changed.")
            atomic_write_bytes(bak, data, keep_mode=False)
        except OSError as exc:
            raise StoreError(f"Could not write the backup {bak}: {_os_message(exc)}; "
                             "nothing was changed.") from None
        return bak

    def _remove_stale_temp_files(self) -> None:
        """Temp files of writers that were killed mid-save (only called while holding the lock)."""
        prefix = f".{self.real_path.name}."
        try:
            names = os.listdir(self.real_path.parent)
        except OSError:
            return
        for name in names:
            if name.startswith(prefix) and name.endswith(".tmp"):
                try:
                    os.unlink(self.real_path.parent / name)
                except OSError:
                    pass

    def db(self) -> TinyDB:
        """The underlying TinyDB, for read-only queries."""
        return self._db


def _holder_text() -> str:
    return f"pid {os.getpid()} on {socket.gethostname()} since {now_iso()}"


def _read_holder(fd: int) -> str:
    try:
        return os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
    except OSError:
        return ""


def load_read_only(path: str | Path) -> Assessment:
    """Read an assessment without locking it (for export and validate).

    Problems of shape found while reading are in the assessment's ``load_problems``.
    """
    with Store.open(path, read_only=True) as store:
        return store.load()

"""An open assessment: the store that owns its file and the assessment in memory."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import safefile
from .index import ProblemIndex
from .model import Assessment
from .settings import remember
from .store import SUFFIX, Store, StoreError
from .undo import UndoJournal


@dataclass
class Session:
    store: Store
    assessment: Assessment
    notices: list[str] = field(default_factory=list)
    """Things the user should be told on opening (stale lock taken over, migration, read-only)."""
    journal: UndoJournal = field(default_factory=UndoJournal)
    """The last changes made in this session, for undo (ctrl+z)."""
    catalogs: object = None
    index: ProblemIndex = field(init=False)
    """Every record's problems, kept up to date edit by edit (see :mod:`..core.index`)."""

    def __post_init__(self) -> None:
        self.index = ProblemIndex(self.assessment, self.catalogs)

    def record_count(self) -> int:
        return sum(len(r) for r in self.assessment.registers.values())

    def warm_up(self) -> None:
        """The work that a large file needs once after opening, done off the UI thread: check
        every record and serialise it for the next save."""
        self.index.refresh()
        if not self.read_only:
            self.store.prime(self.assessment)

    @property
    def path(self) -> Path:
        return self.store.path

    @property
    def read_only(self) -> bool:
        return self.store.read_only

    @classmethod
    def open(cls, path: str | Path, catalogs: object = None) -> "Session":
        store = Store.open_or_read_only(path)
        try:
            assessment = store.load()
        except BaseException:
            store.close()
            raise
        s = cls(store, assessment, catalogs=catalogs)
        if store.lock_holder:
            s.notices.append(f"Opened read-only: {store.path.name} is open in another aigov "
                             f"({store.lock_holder}). Close it there to edit here.")
        if store.read_only_reason:
            s.notices.append(f"Opened read-only: {store.read_only_reason}")
        if store.load_problems:
            n = len(store.load_problems)
            first = store.load_problems[0]
            s.notices.append(
                f"{n} problem{'s' if n != 1 else ''} found while reading {store.path.name}, e.g. "
                f"{str(first).rstrip('.')}. Values that could not be used are kept in the file's 'quarantine' "
                "table, never deleted. Press F8 to list every problem.")
        if store.recovered_stale_lock:
            s.notices.append(f"Took over a lock left by an aigov that is no longer running "
                             f"({store.recovered_stale_lock}).")
        if store.migrated_from is not None:
            s.notices.append(f"Upgraded {store.path.name} from schema version {store.migrated_from}; "
                             f"the previous file is kept as {store.path.name}.bak.")
        remember(store.path)
        return s

    @classmethod
    def create(cls, path: str | Path, assessment: Assessment, catalogs: object = None) -> "Session":
        store = Store.create(path, assessment)
        remember(store.path)
        return cls(store, assessment, catalogs=catalogs)

    def close(self) -> None:
        self.store.close()


def check_new_path(text: str, organisation: str) -> tuple[Path | None, str]:
    """Where a new assessment will be written, or why it cannot be (for the new-file form)."""
    text = text.strip()
    if not text:
        stem = re.sub(r"[^A-Za-z0-9]+", "-", organisation).strip("-").lower() or "assessment"
        text = f"{stem}{SUFFIX}"
    bad = safefile.bad_name(text)
    if bad:
        return None, f"The file name {text!r} {bad}; choose another name."
    path = Path(text).expanduser()
    if not path.name.endswith(SUFFIX):
        path = path.with_name(path.name + SUFFIX)
    if path.is_dir():
        return None, f"{path} is a folder; give a file name."
    if not path.parent.exists():
        return None, f"The folder {path.parent} does not exist."
    if os.path.lexists(path):
        return None, f"{path} already exists; open it instead, or choose another name."
    return path, ""


def check_existing_path(text: str) -> tuple[Path | None, str]:
    text = text.strip()
    if not text:
        return None, "Type the path of an assessment file."
    path = Path(text).expanduser()
    if not path.exists():
        return None, f"{path} does not exist."
    if path.is_dir():
        return None, f"{path} is a folder, not an assessment file."
    try:
        Store.check_openable(path)
    except StoreError as exc:
        return None, str(exc)
    return path, ""


__all__ = ["Session", "StoreError", "check_new_path", "check_existing_path"]

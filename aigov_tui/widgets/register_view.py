"""A register on screen: its table plus add, edit and delete through the record form.

Generic over registers: the declaration says what to show and check; the core functions do
the work; the view reports each change with a message so the screen can follow up.
"""

from __future__ import annotations

from typing import Any, Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message

from ..core.model import (
    Context, RecordError, add_record, delete_record, field_options, record_problems, ref_options,
    references_to, update_record,
)
from ..core.schema import Kind, Problem, Register
from ..core.undo import keep_for_delete
from .dialogs import ConfirmDialog, RecordDialog
from .record_table import RecordTable


class RegisterView(Vertical):
    class Changed(Message):
        """A record was added, edited or deleted (``record_id`` is None after a delete)."""

        def __init__(self, view: "RegisterView", record_id: str | None, message: str) -> None:
            super().__init__()
            self.view = view
            self.record_id = record_id
            self.message = message

        @property
        def control(self) -> "RegisterView":
            return self.view

    def __init__(self, register: Register, *, empty_hint: str = "",
                 styler: Callable[[str, Any], str] | None = None,
                 source: Callable[[], list[dict[str, Any]]] | None = None,
                 updater: Callable[[str, dict[str, Any]], Any] | None = None,
                 id: str | None = None, classes: str | None = None):
        """``source`` and ``updater`` serve keyed registers (the SoA, clauses) whose rows are
        derived: the view then edits rows through ``updater(key, values)`` and never adds or
        deletes them."""
        super().__init__(id=id, classes=classes)
        self.register = register
        self.empty_hint = empty_hint
        self.styler = styler
        self.source = source
        self.updater = updater
        self._filter: Callable[[dict[str, Any]], bool] | None = None
        self._filter_label = ""

    def compose(self) -> ComposeResult:
        yield RecordTable(self.register, empty_hint=self.empty_hint, styler=self.styler,
                          id=f"{self.id or self.register.name}-table")

    @property
    def table(self) -> RecordTable:
        return self.query_one(RecordTable)

    @property
    def app_(self) -> Any:
        return self.app

    def on_mount(self) -> None:
        self.refresh_records()

    # data ----------------------------------------------------------------------------------
    def set_filter(self, predicate: Callable[[dict[str, Any]], bool] | None, label: str = "") -> None:
        self._filter, self._filter_label = predicate, label
        self.refresh_records()

    def refresh_records(self, select: str | None = None) -> None:
        session = self.app_.session
        if session is None:
            return
        records = self.source() if self.source else session.assessment.records(self.register)
        shown = [r for r in records if self._filter is None or self._filter(r)]
        if self.register.name in session.index.DEPENDENCIES:
            # from the index: only the records changed since the last refresh are checked again
            problems = session.index.counts(self.register.name) if session.index.ready else {}
        else:  # a keyed register (SoA, clauses): a few hundred rows, checked here
            ctx = Context(session.assessment, self.app_.catalogs)
            problems = {str(r.get("id")): len(record_problems(self.register, r, ctx)) for r in shown}
        labels = {f.key: ref_options(f.ref, session.assessment, self.app_.catalogs) or {}
                  for f in self.register.table_fields
                  if f.kind is Kind.REF or (f.kind is Kind.REFS and f.ref == "roles")}
        self.table.set_records(shown, select, problems=problems, total=len(records),
                               filter_label=self._filter_label, ref_labels=labels)

    def _options(self) -> dict[str, list[tuple[Any, str]]]:
        session = self.app_.session
        return field_options(self.register, session.assessment, self.app_.catalogs)

    # actions ------------------------------------------------------------------------------
    @property
    def keyed(self) -> bool:
        """One row per catalog entry (SoA, clauses): edited through ``updater``, never added."""
        return self.register.keyed

    def shown_ids(self) -> list[str]:
        """IDs of the rows the table shows now (after filter and search), in order."""
        t = self.table.table
        return [str(t.get_row_at(i)[1]) for i in range(t.row_count)]

    @on(RecordTable.Add)
    def _add(self, event: RecordTable.Add) -> None:
        event.stop()
        if self.keyed:
            self.app.notify(f"The {self.register.title} has one row per control; it has nothing to add.")
            return
        self.add(None)

    def add(self, values: dict[str, Any] | None) -> None:
        """Open the form for a new record, optionally prefilled."""
        if self.app_.refuse_if_read_only():
            return
        session = self.app_.session
        added: dict[str, str] = {}

        def submit(form_values: dict[str, Any]) -> list[Problem]:
            try:
                added["id"] = add_record(session.assessment, self.register, form_values,
                                         self.app_.catalogs)["id"]
            except RecordError as exc:
                return exc.problems
            self._journal_added(f"adding {added['id']}", [added["id"]])
            return []

        def done(result: dict[str, Any] | None) -> None:
            if result is not None and added:
                self._changed(added["id"], f"Added {added['id']}.")

        self.app.push_screen(RecordDialog(self.register, values, submit,
                                          title=f"New {self.register.item}", options=self._options()), done)

    def add_many(self, values: list[dict[str, Any]], *, strict: bool = True) -> list[str]:
        """Add several prefilled records at once (accepted suggestions); returns their IDs.

        With ``strict=False`` records that still have problems are kept and marked !.
        """
        session = self.app_.session
        added, failed = [], []
        for v in values:
            try:
                added.append(add_record(session.assessment, self.register, v, self.app_.catalogs,
                                        strict=strict)["id"])
            except RecordError as exc:
                failed.append(str(exc))
        if added:
            self._journal_added(f"adding {len(added)} {self.register.title.lower()} "
                                f"({added[0]}–{added[-1]})" if len(added) > 1 else f"adding {added[0]}",
                                added)
        if failed:
            self.app.notify(f"{len(failed)} not added: {failed[0]}", severity="error", timeout=10)
        self.refresh_records(added[0] if added else None)
        return added

    @on(RecordTable.Edit)
    def _edit(self, event: RecordTable.Edit) -> None:
        event.stop()
        session = self.app_.session
        if self.keyed:
            record = next((r for r in self.source() if str(r.get("id")) == event.record_id), None)
        else:
            record = session.assessment.find(self.register, event.record_id or "")
        if record is None:
            return
        rid = str(record["id"])

        def submit(form_values: dict[str, Any]) -> list[Problem]:
            entry = session.journal.begin(f"edit of {rid}")
            entry.keep_record(session.assessment, self.register.name, rid)
            try:
                if self.updater is not None:
                    self.updater(rid, form_values)
                else:
                    update_record(session.assessment, self.register, rid, form_values, self.app_.catalogs)
            except RecordError as exc:
                session.journal.cancel(entry)
                return exc.problems
            session.journal.commit(entry)
            return []

        def done(result: dict[str, Any] | None) -> None:
            if result is not None:
                self._changed(rid, f"Saved {rid}.")

        verb = "View" if session.read_only else "Edit"
        name = record.get(self.register.title_field, "")
        dialog = RecordDialog(self.register, dict(record), submit, title=f"{verb} {rid} · {name}",
                              read_only=session.read_only, options=self._options())
        self.app.push_screen(dialog, done)
        if not session.read_only:
            # show the stored record's problems (e.g. a suggestion still to be rated) at once
            problems = ([] if self.keyed else
                        record_problems(self.register, record, Context(session.assessment, self.app_.catalogs)))
            if problems:
                self.call_after_refresh(lambda: dialog.show_problems(problems))

    @on(RecordTable.Delete)
    def _delete(self, event: RecordTable.Delete) -> None:
        event.stop()
        if self.keyed:
            self.app.notify(f"The {self.register.title} keeps one row per control; set it to "
                            "not applicable instead of deleting it.")
            return
        if self.app_.refuse_if_read_only():
            return
        session = self.app_.session
        rid = event.record_id or ""
        record = session.assessment.find(self.register, rid) or {}
        users = sorted({str(r.get("id")) for _, r, _ in references_to(session.assessment, self.register, rid)})
        named = (f" It is named by {', '.join(users)}; it will be removed from them." if users else "")

        def done(yes: bool | None) -> None:
            if yes:
                entry = session.journal.begin(f"delete of {rid}" + (f" (and its removal from "
                                                                   f"{', '.join(users)})" if users else ""))
                keep_for_delete(entry, session.assessment, self.register, rid)
                delete_record(session.assessment, self.register, rid)
                session.journal.commit(entry)
                self._changed(None, f"Deleted {rid}. Its ID will not be reused.")

        self.app.push_screen(ConfirmDialog(
            f"Delete {rid}?",
            f"{rid} {record.get(self.register.title_field, '')} will be removed from the "
            f"{self.register.title} register.{named} Its ID will not be reused.", yes="Delete"), done)

    def _journal_added(self, label: str, ids: list[str]) -> None:
        """Tell the undo journal these records were added (undo removes them)."""
        journal = self.app_.session.journal
        entry = journal.begin(label)
        for rid in ids:
            entry.keep_added(self.register.name, rid)
        journal.commit(entry)

    def _changed(self, record_id: str | None, message: str) -> None:
        self.refresh_records(record_id)
        self.post_message(self.Changed(self, record_id, message))

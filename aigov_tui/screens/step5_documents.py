"""Step 5: documentation updates — the ISMS documents that must say something about AI."""

from __future__ import annotations

from typing import Any, Iterable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from ..core import programme
from ..core.registers import DOCUMENTS
from ..widgets.register_view import RegisterView
from .base import StepScreen


class DocumentsScreen(StepScreen):
    NUMBER = 5
    BINDINGS = [
        Binding("p", "prefill", "From catalog", tooltip="Add the ISMS documents that need AI updates"),
    ]

    def compose_body(self) -> ComposeResult:
        yield Static("Each document carries its checklist of AI changes: mark a line done with "
                     "[x]. Document IDs can be cited as policy references in the SoA.", classes="hint",
                     markup=False)
        yield RegisterView(DOCUMENTS, id="documents", source=self._rows, empty_hint=(
            "No documents yet. Press p to add the ISMS documents that usually need AI updates "
            "(from the catalog), or a to add one."))

    def _rows(self) -> list[dict[str, Any]]:
        session = self.aigov.session
        assert session is not None
        return programme.document_rows(session.assessment)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#documents #table").focus()

    def step_commands(self) -> Iterable[tuple[str, str, Any]]:
        yield ("Add ISMS documents from the catalog", "The documents that usually need AI updates",
               self.action_prefill)
        yield ("Add document", "Open the form for a new document",
               lambda: self.query_one("#documents", RegisterView).add(None))

    def action_prefill(self) -> None:
        if self.aigov.refuse_if_read_only():
            return
        session = self.aigov.session
        assert session is not None
        owner = str(session.assessment.profile.get("isms_owner") or "")
        added = programme.prefill_documents(session.assessment, self.aigov.catalogs, owner)
        self.journal_added(f"adding {len(added)} documents from the catalog", "documents", added)
        self.after_change(f"Added {len(added)} documents from the catalog." if added
                          else "Every catalog document is already in the register.")

    @on(RegisterView.Changed)
    def _changed(self, event: RegisterView.Changed) -> None:
        self.after_change(event.message)

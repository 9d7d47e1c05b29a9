"""Step 1: ISMS scope and how AI systems fit.

Three tabs: the organisation profile (saved as you type), the AI systems register, and the
generated scope-statement addendum (editable, kept as you type).
"""

from __future__ import annotations

from typing import Any, Iterable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.timer import Timer
from textual.widgets import Static, TabbedContent, TabPane, TextArea

from ..core.model import update_profile_draft
from ..core.registers import AI_SYSTEMS, PROFILE
from ..core.scope import draft_addendum, set_addendum
from ..widgets.dialogs import ConfirmDialog
from ..widgets.record_form import RecordForm
from ..widgets.register_view import RegisterView
from .base import StepScreen

AUTOSAVE_DELAY = 0.6


class ScopeScreen(StepScreen):
    NUMBER = 1
    BINDINGS = [
        Binding("ctrl+g", "redraft", "Redraft addendum", tooltip="Generate the addendum draft again"),
        Binding("f2", "tab('tab-org')", "Profile", show=False, tooltip="Show the organisation profile"),
        Binding("f3", "tab('tab-systems')", "AI systems", show=False, tooltip="Show the AI systems"),
        Binding("f4", "tab('tab-addendum')", "Addendum", show=False, tooltip="Show the scope addendum"),
    ]
    TAB_FOCUS = {"tab-org": "#profile-form", "tab-systems": "#systems #table",
                 "tab-addendum": "#addendum"}

    def __init__(self) -> None:
        super().__init__()
        self._profile_timer: Timer | None = None
        self._addendum_timer: Timer | None = None
        self._setting_addendum = False
        self._pending: set[str] = set()
        """Edits still waiting on their typing timer: 'profile', 'addendum'."""

    # layout ------------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        session = self.aigov.session
        assert session is not None
        a, ro = session.assessment, session.read_only
        with TabbedContent(id="scope-tabs", initial="tab-systems"):
            with TabPane("Organisation (F2)", id="tab-org"):
                yield RecordForm(PROFILE, a.profile, read_only=ro, id="profile-form")
            with TabPane("AI systems (F3)", id="tab-systems"):
                yield RegisterView(AI_SYSTEMS, id="systems")
            with TabPane("Scope addendum (F4)", id="tab-addendum"):
                yield Static("A draft that names the AI systems brought into scope. Edit freely: "
                             "your text is kept. ctrl+g drafts it again from the register.",
                             classes="hint")
                yield TextArea(str(a.scope.get("addendum") or ""), id="addendum", soft_wrap=True,
                               read_only=ro, tab_behavior="focus")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#systems #table").focus()

    def step_commands(self) -> Iterable[tuple[str, str, Any]]:
        yield ("Add AI system", "Open the form for a new AI system",
               lambda: self.query_one("#systems", RegisterView).add(None))
        yield ("Show organisation profile", "Step 1, Organisation tab", lambda: self.action_tab("tab-org"))
        yield ("Show AI systems", "Step 1, AI systems tab", lambda: self.action_tab("tab-systems"))
        yield ("Show scope addendum", "Step 1, Scope addendum tab", lambda: self.action_tab("tab-addendum"))
        yield ("Redraft scope addendum", "Generate the addendum again from the AI systems",
               self.action_redraft)

    # organisation profile (saved as you type) ------------------------------------------------
    @on(RecordForm.Changed, "#profile-form")
    def _profile_changed(self) -> None:
        if self._profile_timer is not None:
            self._profile_timer.stop()
        self._pending.add("profile")
        self._profile_timer = self.set_timer(AUTOSAVE_DELAY, self.save_profile)

    def save_profile(self) -> None:
        self._pending.discard("profile")
        session = self.aigov.session
        if session is None or session.read_only:
            return
        form = self.query_one("#profile-form", RecordForm)
        update_profile_draft(session.assessment, form.values())
        self._assessment_changed()

    # AI systems ----------------------------------------------------------------------------
    @on(RegisterView.Changed, "#systems")
    def _systems_changed(self, event: RegisterView.Changed) -> None:
        session = self.aigov.session
        assert session is not None
        if not session.assessment.scope.get("edited"):
            self._put_addendum(draft_addendum(session.assessment, self.aigov.today()), edited=False)
        self._assessment_changed()
        self.notify(event.message, timeout=3)

    # scope addendum ------------------------------------------------------------------------
    def _put_addendum(self, text: str, *, edited: bool) -> None:
        session = self.aigov.session
        assert session is not None
        set_addendum(session.assessment, text, edited=edited)
        area = self.query_one("#addendum", TextArea)
        if area.text != text:
            self._setting_addendum = True
            area.load_text(text)

    @on(TextArea.Changed, "#addendum")
    def _addendum_changed(self) -> None:
        if self._setting_addendum:
            self._setting_addendum = False
            return
        if self._addendum_timer is not None:
            self._addendum_timer.stop()
        self._pending.add("addendum")
        self._addendum_timer = self.set_timer(AUTOSAVE_DELAY, self.save_addendum)

    def save_addendum(self) -> None:
        self._pending.discard("addendum")
        session = self.aigov.session
        if session is None or session.read_only:
            return
        set_addendum(session.assessment, self.query_one("#addendum", TextArea).text, edited=True)
        self._assessment_changed()

    def action_redraft(self) -> None:
        if self.aigov.refuse_if_read_only():
            return
        session = self.aigov.session
        assert session is not None

        def redraft(yes: bool | None = True) -> None:
            if yes:
                self._put_addendum(draft_addendum(session.assessment, self.aigov.today()), edited=False)
                self._assessment_changed()
                self.action_tab("tab-addendum")
                self.notify("Scope addendum drafted from the AI systems register.", timeout=3)

        if session.assessment.scope.get("edited"):
            self.app.push_screen(ConfirmDialog(
                "Replace your edited addendum?",
                "The addendum has been edited by hand. Drafting it again replaces your text.",
                yes="Replace"), redraft)
        else:
            redraft()

    # ---------------------------------------------------------------------------------------
    def _assessment_changed(self) -> None:
        self.aigov.assessment_changed()
        self.refresh_status()

    def flush_pending(self) -> None:
        """Save what is still waiting on a typing timer (before quitting or leaving)."""
        for timer in (self._profile_timer, self._addendum_timer):
            if timer is not None:
                timer.stop()
        if "profile" in self._pending:
            self.save_profile()
        if "addendum" in self._pending:
            self.save_addendum()

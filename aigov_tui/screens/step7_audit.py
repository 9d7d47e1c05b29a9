"""Step 7: AI systems in the internal audit programme and the certification body's cycle."""

from __future__ import annotations

from typing import Any, Iterable

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static, TabbedContent, TabPane

from ..core import programme
from ..core.registers import AUDITS, CHECKLIST, FINDINGS
from ..widgets.register_view import RegisterView
from .base import StepScreen

RESULT_STYLES = {"Major nonconformity": "bold reverse red", "Minor nonconformity": "bold red",
                 "Observation": "yellow", "Opportunity for improvement": "cyan", "Conforming": "green"}


CALENDAR_STYLES = {"Done": "green", "Overdue": "bold reverse red", "In progress": "yellow"}

class AuditScreen(StepScreen):
    NUMBER = 7
    BINDINGS = [
        Binding("f2", "tab('tab-audits')", "Programme", show=False, tooltip="Show the audit programme"),
        Binding("f3", "tab('tab-checklist')", "Checklist", show=False, tooltip="Show the audit checklist"),
        Binding("f4", "tab('tab-findings')", "Findings", show=False, tooltip="Show the findings and CAPA"),
        Binding("f6", "tab('tab-calendar')", "Calendar", show=False, tooltip="Show the surveillance calendar"),
        Binding("k", "checklist", "Checklist", tooltip="Generate the checklist of the selected audit"),
        Binding("r", "raise_finding", "Raise finding", tooltip="Raise a finding from the selected checklist item"),
    ]
    TAB_FOCUS = {"tab-audits": "#audits #table", "tab-checklist": "#checklist #table",
                 "tab-findings": "#findings #table", "tab-calendar": "#calendar"}

    def compose_body(self) -> ComposeResult:
        with TabbedContent(id="audit-tabs", initial="tab-audits"):
            with TabPane("Programme (F2)", id="tab-audits"):
                yield RegisterView(AUDITS, id="audits", empty_hint=(
                    "No audits yet. Press a to plan one: scope (AI systems, controls, clauses), "
                    "criteria, lead auditor and team, dates. Then k builds its checklist."))
            with TabPane("Checklist (F3)", id="tab-checklist"):
                yield RegisterView(CHECKLIST, id="checklist", styler=self._style, empty_hint=(
                    "No checklist yet: on Programme, select an audit and press k."))
            with TabPane("Findings (F4)", id="tab-findings"):
                yield RegisterView(FINDINGS, id="findings", source=self._findings, styler=self._style,
                                   empty_hint="No findings. On Checklist, r raises one from a "
                                              "nonconforming item.")
            with TabPane("Calendar (F6)", id="tab-calendar"):
                with VerticalScroll(id="calendar", can_focus=True):
                    yield Static("", id="calendar-text")

    def _findings(self) -> list[dict[str, Any]]:
        session = self.aigov.session
        assert session is not None
        return programme.finding_rows(session.assessment, self.aigov.today())

    def _style(self, key: str, value: Any) -> str:
        if key in ("result", "grade"):
            return RESULT_STYLES.get(str(value), "")
        if key == "overdue" and value:
            return "bold reverse red"
        return ""

    def on_mount(self) -> None:
        super().on_mount()
        self._calendar()
        self.query_one("#audits #table").focus()

    def step_commands(self) -> Iterable[tuple[str, str, Any]]:
        yield ("Plan an audit", "Open the form for a new audit", lambda: self.query_one("#audits", RegisterView).add(None))
        yield ("Generate audit checklist", "From the catalog's questions on the controls in scope", self.action_checklist)
        yield ("Raise finding", "From the selected checklist item", self.action_raise_finding)
        yield ("Show surveillance calendar", "Certification audits and internal audits",
               lambda: self.action_tab("tab-calendar"))

    def _calendar(self) -> None:
        session = self.aigov.session
        assert session is not None
        events = programme.surveillance_plan(session.assessment, self.aigov.today())
        table = Table(box=None, expand=True, padding=(0, 1))
        table.add_column("Date", no_wrap=True, style="bold")
        table.add_column("Kind", no_wrap=True)
        table.add_column("Event")
        table.add_column("State", no_wrap=True)
        table.add_column("Notes", style="dim")
        for e in events:
            table.add_row(e["date"], e["kind"], e["event"],
                          Text(e["state"], style=CALENDAR_STYLES.get(e["state"], "")), e["notes"])
        if not events:
            table.add_row("", "", "Record the certificate dates in Step 1 and plan audits here.", "", "")
        self.query_one("#calendar-text", Static).update(table)

    def action_checklist(self) -> None:
        if self.aigov.refuse_if_read_only():
            return
        session = self.aigov.session
        assert session is not None
        audit_id = self.query_one("#audits", RegisterView).table.selected_id
        if not audit_id:
            self.notify("Select an audit on the Programme tab first.", severity="warning")
            return
        added = programme.generate_checklist(session.assessment, self.aigov.catalogs, audit_id)
        self.journal_added(f"the checklist of {audit_id}", "checklist", added)
        self.after_change(f"Added {len(added)} checklist items to {audit_id}." if added
                          else f"{audit_id} already has every checklist item.")
        if added:
            self.action_tab("tab-checklist")

    def action_raise_finding(self) -> None:
        if self.aigov.refuse_if_read_only():
            return
        session = self.aigov.session
        assert session is not None
        item_id = self.query_one("#checklist", RegisterView).table.selected_id
        if not item_id:
            self.notify("Select a checklist item on the Checklist tab first.", severity="warning")
            return
        try:
            values = programme.finding_from_item(session.assessment, item_id)
        except ValueError as exc:
            self.notify(str(exc), severity="warning", timeout=8)
            return
        self.action_tab("tab-findings")
        self.query_one("#findings", RegisterView).add(values)

    @on(RegisterView.Changed)
    def _changed(self, event: RegisterView.Changed) -> None:
        self.after_change(event.message)
        self._calendar()

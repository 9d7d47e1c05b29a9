"""AI incidents (`9` from any step): the log, each incident's timeline, notification deadlines.

A screen of its own: incidents happen at any stage of the programme and need to be reached in
one key while a clock is running.
"""

from __future__ import annotations

from typing import Any, Iterable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static, TabbedContent, TabPane

from ..core import incidents
from ..core.model import RecordError, update_record
from ..core.registers import INCIDENTS, NOTIFICATIONS, TIMELINE
from ..core.steps import Step
from ..widgets.dialogs import PromptDialog
from ..widgets.register_view import RegisterView
from .base import StepScreen

INCIDENTS_STEP = Step(9, "Incidents", "AI incidents", "Log AI incidents and meet their notification deadlines.")
STATE_STYLES = {"missed": "bold reverse red", "due soon": "bold red", "met": "green",
                "met (late)": "yellow", "waived": "dim", "Critical": "bold reverse red", "High": "bold red"}


class IncidentsScreen(StepScreen):
    NUMBER = 9
    BINDINGS = [
        Binding("f2", "tab('tab-incidents')", "Incidents", show=False, tooltip="Show the incident log"),
        Binding("f3", "tab('tab-timeline')", "Timeline", show=False, tooltip="Show the incidents' timelines"),
        Binding("f4", "tab('tab-notifications')", "Notifications", show=False,
                tooltip="Show every notification obligation and its deadline"),
        Binding("t", "timeline", "Timeline entry", tooltip="Add a dated timeline entry to the selected incident"),
        Binding("m", "met", "Mark met", tooltip="Record when the selected notification was sent, and its reference"),
        Binding("w", "waive", "Waive", tooltip="Waive the selected notification obligation, with a reason"),
    ]
    TAB_FOCUS = {"tab-incidents": "#incidents #table", "tab-timeline": "#timeline #table",
                 "tab-notifications": "#notifications #table"}

    @property
    def step(self) -> Step:
        return INCIDENTS_STEP

    def title_text(self) -> str:
        return "AI incidents · ISO 27001 A.5.24-A.5.28, ISO 42001 A.8.4, EU AI Act Art. 73"

    def compose_body(self) -> ComposeResult:
        with TabbedContent(id="incident-tabs", initial="tab-incidents"):
            with TabPane("Incidents (F2)", id="tab-incidents"):
                yield RegisterView(INCIDENTS, id="incidents", source=self._incidents, styler=self._style,
                                   empty_hint="No incidents. Press a to log one; its notification "
                                              "deadlines are worked out from the answers.")
            with TabPane("Timeline (F3)", id="tab-timeline"):
                yield RegisterView(TIMELINE, id="timeline", source=self._timeline,
                                   empty_hint="No timeline entries. On Incidents, t adds one.")
            with TabPane("Notifications (F4)", id="tab-notifications"):
                yield Static("m records when a notification was sent and its reference; w waives one "
                             "with a reason; a adds an obligation the rules did not.", classes="hint",
                             markup=False)
                yield RegisterView(NOTIFICATIONS, id="notifications", source=self._notifications,
                                   styler=self._style, empty_hint="No notification obligations.")

    def _assessment(self) -> Any:
        session = self.aigov.session
        assert session is not None
        return session.assessment

    def _incidents(self) -> list[dict[str, Any]]:
        return incidents.incident_rows(self._assessment(), self.aigov.catalogs, self.aigov.now())

    def _timeline(self) -> list[dict[str, Any]]:
        return incidents.timeline_rows(self._assessment())

    def _notifications(self) -> list[dict[str, Any]]:
        return incidents.notification_rows(self._assessment(), self.aigov.catalogs, self.aigov.now())

    def _style(self, key: str, value: Any) -> str:
        if key == "obligations" and ("missed" in str(value) or "due soon" in str(value)):
            return "bold red"
        return STATE_STYLES.get(str(value), "") if key in ("state", "severity") else ""

    def on_mount(self) -> None:
        super().on_mount()
        self._statuses = {str(i["id"]): i.get("status") for i in self._assessment().records(INCIDENTS)}
        self.query_one("#incidents #table").focus()

    def step_commands(self) -> Iterable[tuple[str, str, Any]]:
        yield ("Log an AI incident", "Open the form for a new incident",
               lambda: self.query_one("#incidents", RegisterView).add(None))
        yield ("Add timeline entry", "To the selected incident", self.action_timeline)
        yield ("Mark notification met", "When it was sent and its reference", self.action_met)
        yield ("Waive notification", "With a reason", self.action_waive)

    def _selected(self, view: str) -> str | None:
        return self.query_one(f"#{view}", RegisterView).table.selected_id

    # incident changes: work out the obligations, note status changes in the timeline ---------
    @on(RegisterView.Changed)
    def _changed(self, event: RegisterView.Changed) -> None:
        if event.view.id != "incidents":
            self.after_change(event.message)
            return
        a = self._assessment()
        rid = event.record_id
        message = event.message
        if rid is not None and a.find(INCIDENTS, rid) is not None:
            added, removed = incidents.sync_notifications(a, self.aigov.catalogs, rid)
            incidents.note_status_change(a, rid, self._statuses.get(rid), a.find(INCIDENTS, rid).get("status"),
                                         self.aigov.now())
            if added or removed:
                message += (f" {len(added)} notification obligation(s) added" if added else "") + \
                           (f", {len(removed)} no longer apply" if removed else "") + " (F4)."
        self._statuses = {str(i["id"]): i.get("status") for i in a.records(INCIDENTS)}
        self.after_change(message)

    def action_timeline(self) -> None:
        if self.aigov.refuse_if_read_only():
            return
        iid = self._selected("incidents")
        if iid is None:
            self.notify("Select an incident on the Incidents tab first.", severity="warning")
            return
        self.action_tab("tab-timeline")
        self.query_one("#timeline", RegisterView).add(
            {"incident": iid, "at": incidents.fmt_dt(self.aigov.now())})

    def _notification(self) -> dict[str, Any] | None:
        nid = self._selected("notifications")
        record = self._assessment().find(NOTIFICATIONS, nid or "")
        if record is None:
            self.notify("Select an obligation on the Notifications tab (F4) first.", severity="warning")
        return record

    def action_met(self) -> None:
        if self.aigov.refuse_if_read_only():
            return
        record = self._notification()
        if record is None:
            return

        def check(values: dict[str, str]) -> dict[str, str]:
            problems = {}
            if incidents.parse_dt(values["met_at"]) is None or len(values["met_at"].strip()) != 16:
                problems["met_at"] = "Write the time as YYYY-MM-DD HH:MM, e.g. 2026-11-30 14:05."
            if not values["reference"].strip():
                problems["reference"] = "Give the notification's reference (case number or message ID)."
            return problems

        def done(values: dict[str, str] | None) -> None:
            if not values:
                return
            moment = incidents.parse_dt(values["met_at"])
            assert moment is not None
            incidents.mark_met(self._assessment(), str(record["id"]), moment, values["reference"])
            self.after_change(f"{record['id']} {record['regime']} met at {values['met_at']}.")

        self.app.push_screen(PromptDialog(
            f"{record['id']} {record['regime']}: notification sent",
            [("met_at", "Sent at (YYYY-MM-DD HH:MM)", record.get("met_at") or incidents.fmt_dt(self.aigov.now())),
             ("reference", "Reference", record.get("reference") or "")], check, ok="Save"), done)

    def action_waive(self) -> None:
        if self.aigov.refuse_if_read_only():
            return
        record = self._notification()
        if record is None:
            return

        def check(values: dict[str, str]) -> dict[str, str]:
            return {} if values["reason"].strip() else {"reason": "Say why this obligation does not apply."}

        def done(values: dict[str, str] | None) -> None:
            if not values:
                return
            try:
                update_record(self._assessment(), NOTIFICATIONS, str(record["id"]),
                              {**record, "basis": "Waived", "reason": values["reason"]}, self.aigov.catalogs)
            except RecordError as exc:
                self.notify(str(exc), severity="error", timeout=10)
                return
            self.after_change(f"{record['id']} {record['regime']} waived.")

        self.app.push_screen(PromptDialog(f"Waive {record['id']} {record['regime']}",
                                          [("reason", "Reason", record.get("reason") or "")], check,
                                          ok="Waive"), done)

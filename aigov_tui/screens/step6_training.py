"""Step 6: training security staff on AI threats and controls, and checking it worked."""

from __future__ import annotations

import datetime as _dt
from typing import Any, Iterable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static, TabbedContent, TabPane

from ..core import programme
from ..core.model import natural_key
from ..core.registers import ASSIGNMENTS, PEOPLE, TRAINING
from ..widgets.dialogs import PickDialog, PromptDialog
from ..widgets.register_view import RegisterView
from .base import StepScreen

STATE_STYLES = {"Overdue": "bold reverse red", "Done": "green", "Due": ""}


class TrainingScreen(StepScreen):
    NUMBER = 6
    BINDINGS = [
        Binding("f2", "tab('tab-modules')", "Modules", show=False, tooltip="Show the training modules"),
        Binding("f3", "tab('tab-people')", "People", show=False, tooltip="Show the people"),
        Binding("f4", "tab('tab-records')", "Records", show=False, tooltip="Show who did which training"),
        Binding("p", "prefill", "From catalog", tooltip="Add the AI security training modules of the catalog"),
        Binding("n", "assign", "Assign", tooltip="Assign the selected module by role or to chosen people"),
    ]
    TAB_FOCUS = {"tab-modules": "#modules #table", "tab-people": "#people #table",
                 "tab-records": "#records #table"}

    def compose_body(self) -> ComposeResult:
        with TabbedContent(id="training-tabs", initial="tab-modules"):
            with TabPane("Modules (F2)", id="tab-modules"):
                yield RegisterView(TRAINING, id="modules", empty_hint=(
                    "No modules yet. Press p to add the AI security modules of the catalog, or a "
                    "to add your own. Record how you check each one worked (clause 7.2)."))
            with TabPane("People (F3)", id="tab-people"):
                yield RegisterView(PEOPLE, id="people", empty_hint=(
                    "No people yet. Press a to add the people to train, with their role and team."))
            with TabPane("Records (F4)", id="tab-records"):
                yield Static("", id="rates", classes="hint")
                yield RegisterView(ASSIGNMENTS, id="records", source=self._records, styler=self._style,
                                   empty_hint="No training assigned yet: on Modules, n assigns the "
                                              "selected module.")

    def _records(self) -> list[dict[str, Any]]:
        session = self.aigov.session
        assert session is not None
        return programme.assignment_rows(session.assessment, self.aigov.today())

    def _style(self, key: str, value: Any) -> str:
        return STATE_STYLES.get(str(value), "") if key == "state" else ""

    def on_mount(self) -> None:
        super().on_mount()
        self._rates()
        self.query_one("#modules #table").focus()

    def step_commands(self) -> Iterable[tuple[str, str, Any]]:
        yield ("Add training modules from the catalog", "AI security modules by audience", self.action_prefill)
        yield ("Assign training", "Assign the selected module by role or to chosen people", self.action_assign)

    def _rates(self) -> None:
        session = self.aigov.session
        assert session is not None
        rates = programme.completion_rates(session.assessment, self.aigov.today())

        def fmt(items: dict[str, tuple[int, int, int]]) -> str:
            return ", ".join(f"{k} {d}/{t}" + (f" ({o} overdue)" if o else "")
                             for k, (d, t, o) in sorted(items.items(), key=lambda kv: natural_key(kv[0])))

        text = ""
        if rates["module"]:
            text = f"Done by module: {fmt(rates['module'])}\nBy team: {fmt(rates['team'])}"
        self.query_one("#rates", Static).update(text)

    def action_prefill(self) -> None:
        if self.aigov.refuse_if_read_only():
            return
        session = self.aigov.session
        assert session is not None
        added = programme.prefill_training(session.assessment, self.aigov.catalogs)
        self.journal_added(f"adding {len(added)} training modules from the catalog", "training", added)
        self.after_change(f"Added {len(added)} modules from the catalog." if added
                          else "Every catalog module is already in the register.")

    def action_assign(self) -> None:
        if self.aigov.refuse_if_read_only():
            return
        session = self.aigov.session
        assert session is not None
        module_id = self.query_one("#modules", RegisterView).table.selected_id
        module = session.assessment.find(TRAINING, module_id or "")
        people = sorted(session.assessment.records(PEOPLE), key=lambda p: natural_key(str(p["id"])))
        if module is None or not people:
            self.notify("Select a module on the Modules tab, and add people first.", severity="warning")
            return
        ticked = set(programme.audience_people(session.assessment, list(module.get("audience") or [])))
        roles = {k: str(v.get("title", k)) for k, v in (self.aigov.catalogs.roles or {}).items()}
        items = [(str(p["id"]), f"{p['id']} {p.get('name', '')} · {roles.get(p.get('role'), p.get('role') or '')}"
                                f" · {p.get('team', '')}") for p in people]
        default_due = (self.aigov.today() + _dt.timedelta(days=30)).isoformat()

        def chosen(ids: list[str] | None) -> None:
            if not ids:
                return

            def check(values: dict[str, str]) -> dict[str, str]:
                try:
                    _dt.date.fromisoformat(values["due"])
                except ValueError:
                    return {"due": "Write the due date as YYYY-MM-DD, e.g. 2027-01-31."}
                return {}

            def due(values: dict[str, str] | None) -> None:
                if not values:
                    return
                added = programme.assign(session.assessment, self.aigov.catalogs, str(module["id"]),
                                         values["due"], people=ids)
                self.journal_added(f"assigning {module['id']} to {len(added)} people", "assignments", added)
                skipped = len(ids) - len(added)
                self.after_change(f"Assigned {module['id']} to {len(added)} people"
                                  + (f"; {skipped} already had it open." if skipped else "."))
                self._rates()

            self.app.push_screen(PromptDialog(f"Due date for {module['id']}",
                                              [("due", "Due (YYYY-MM-DD)", default_due)], check,
                                              ok="Assign"), due)

        self.app.push_screen(PickDialog(
            f"Assign {module['id']} {module.get('title', '')}",
            "Everyone in the module's audience is ticked; tick or untick people as needed.",
            items, chosen=ticked, ok="Next"), chosen)

    @on(RegisterView.Changed)
    def _changed(self, event: RegisterView.Changed) -> None:
        self.after_change(event.message)
        self._rates()

"""AI vendors (`8` from any step): register, questionnaire, certifications, follow-up actions.

A screen of its own rather than a tab of Step 2 or 4: vendors are assessed when a contract is
signed or renewed, at any point of the programme, and they link to AI systems (Step 1), assets
(Step 2) and risks (Step 3) alike.
"""

from __future__ import annotations

from typing import Any, Iterable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static, TabbedContent, TabPane

from ..core import vendors
from ..core.registers import VENDOR_ACTIONS, VENDOR_ANSWERS, VENDOR_CERTS, VENDORS
from ..core.steps import Step
from ..widgets.dialogs import PickDialog
from ..widgets.register_view import RegisterView
from .base import StepScreen

VENDORS_STEP = Step(8, "Vendors", "AI vendors",
                    "Assess AI suppliers with the questionnaire; track certificates and follow-up actions.")
STYLES = {"Critical risk": "bold reverse red", "High risk": "bold red", "Medium risk": "yellow",
          "Low risk": "green", "Expired": "bold reverse red", "Expiring": "bold red", "Yes": "bold red",
          "unanswered": "dim"}


class VendorsScreen(StepScreen):
    NUMBER = 8
    BINDINGS = [
        Binding("f2", "tab('tab-vendors')", "Vendors", show=False, tooltip="Show the vendor register"),
        Binding("f3", "tab('tab-answers')", "Assessment", show=False,
                tooltip="Show the questionnaire of the selected vendor"),
        Binding("f4", "tab('tab-certs')", "Certificates", show=False, tooltip="Show the vendors' certifications"),
        Binding("f6", "tab('tab-actions')", "Actions", show=False, tooltip="Show the follow-up actions"),
        Binding("q", "assess", "Assess", tooltip="Answer the questionnaire for the selected vendor"),
        Binding("u", "uplift", "Raise risks", tooltip="Raise the likelihood of the vendor's supply-chain "
                                                       "risks, as its rating suggests (asks first)"),
    ]
    TAB_FOCUS = {"tab-vendors": "#vendors #table", "tab-answers": "#answers #table",
                 "tab-certs": "#certs #table", "tab-actions": "#actions #table"}
    vendor_id: str | None = None
    """The vendor whose questionnaire the Assessment tab shows."""

    @property
    def step(self) -> Step:
        return VENDORS_STEP

    def title_text(self) -> str:
        return "AI vendors · ISO 27001 A.5.19-A.5.23, ISO 42001 A.10.2-A.10.3"

    def compose_body(self) -> ComposeResult:
        with TabbedContent(id="vendor-tabs", initial="tab-vendors"):
            with TabPane("Vendors (F2)", id="tab-vendors"):
                yield RegisterView(VENDORS, id="vendors", source=self._vendors, styler=self._style,
                                   empty_hint="No AI vendors yet. Press a to add one, then q to assess it.")
            with TabPane("Assessment (F3)", id="tab-answers"):
                yield Static("Select a vendor on the Vendors tab and press q.", id="vendor-score",
                             classes="hint", markup=False)
                yield RegisterView(VENDOR_ANSWERS, id="answers", source=self._answers, styler=self._style,
                                   empty_hint="No questionnaire yet: on Vendors, q starts one.")
            with TabPane("Certificates (F4)", id="tab-certs"):
                yield RegisterView(VENDOR_CERTS, id="certs", source=self._certs, styler=self._style,
                                   empty_hint="No certifications yet. Press a to record one with its expiry.")
            with TabPane("Actions (F6)", id="tab-actions"):
                yield RegisterView(VENDOR_ACTIONS, id="actions", source=self._actions, styler=self._style,
                                   empty_hint="No follow-up actions. Press a to add one.")

    # rows -------------------------------------------------------------------------------------
    def _assessment(self) -> Any:
        session = self.aigov.session
        assert session is not None
        return session.assessment

    def _vendors(self) -> list[dict[str, Any]]:
        return vendors.vendor_rows(self._assessment(), self.aigov.catalogs, self.aigov.today())

    def _answers(self) -> list[dict[str, Any]]:
        if self.vendor_id is None:
            return vendors.answer_rows(self._assessment(), self.aigov.catalogs, "")
        return vendors.answer_rows(self._assessment(), self.aigov.catalogs, self.vendor_id)

    def _certs(self) -> list[dict[str, Any]]:
        return vendors.cert_rows(self._assessment(), self.aigov.today())

    def _actions(self) -> list[dict[str, Any]]:
        return vendors.action_rows(self._assessment(), self.aigov.today())

    def _style(self, key: str, value: Any) -> str:
        text = str(value or "")
        if key == "rating":
            return STYLES.get(text.replace(" (prov.)", ""), "")
        if key in ("state", "overdue", "score"):
            return STYLES.get(text, "")
        if key == "flags" and text:
            return "bold red"
        return ""

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#vendors #table").focus()

    def step_commands(self) -> Iterable[tuple[str, str, Any]]:
        yield ("Assess the selected vendor", "Answer the AI vendor questionnaire", self.action_assess)
        yield ("Raise supply-chain risk likelihood", "As the vendor's rating suggests", self.action_uplift)
        yield ("Add AI vendor", "Open the form for a new vendor",
               lambda: self.query_one("#vendors", RegisterView).add(None))

    # actions ----------------------------------------------------------------------------------
    def _selected_vendor(self) -> str | None:
        return self.query_one("#vendors", RegisterView).table.selected_id

    def action_assess(self) -> None:
        vid = self._selected_vendor()
        if vid is None:
            self.notify("Add a vendor first (a), then q assesses it.", severity="warning")
            return
        self.vendor_id = vid
        added = []
        if not self.aigov.refuse_if_read_only():
            added = vendors.start_assessment(self._assessment(), self.aigov.catalogs, vid)
        self.after_change(f"Questionnaire started for {vid}: {len(added)} questions to answer."
                          if added else "")
        self.action_tab("tab-answers")

    def _show_score(self) -> None:
        box = self.query_one("#vendor-score", Static)
        if self.vendor_id is None:
            return
        a = self._assessment()
        vendor = a.find(VENDORS, self.vendor_id)
        if vendor is None:
            self.vendor_id = None
            box.update("Select a vendor on the Vendors tab and press q.")
            return
        view = next(v for v in vendors.vendor_views(a, self.aigov.catalogs, self.aigov.today())
                    if v.vendor["id"] == self.vendor_id)
        s = view.score
        parts = [f"{s2.id} {s2.percent:.0f}%" if s2.percent is not None else f"{s2.id} –"
                 for s2 in s.sections]
        flags = "; ".join(f.message for f in view.flags) or "no flags"
        suggestion = vendors.likelihood_suggestions(a, self.aigov.catalogs, self.vendor_id, s)
        hint = f" · u raises {len(suggestion)} linked supply-chain risk(s)" if suggestion else ""
        box.update(f"{self.vendor_id} {vendor.get('name', '')}: {s.summary()}{hint}\n"
                   f"Sections: {' · '.join(parts)}\nFlags: {flags}")

    def action_uplift(self) -> None:
        if self.aigov.refuse_if_read_only():
            return
        vid = self.vendor_id or self._selected_vendor()
        if vid is None:
            return
        a = self._assessment()
        suggestions = vendors.likelihood_suggestions(a, self.aigov.catalogs, vid)
        if not suggestions:
            self.notify(f"{vid}'s rating suggests no change to a linked supply-chain risk "
                        "(link risks on the vendor record; only a high or critical risk rating "
                        "suggests raising them).", timeout=8)
            return
        items = [(s.risk_id, s.describe()) for s in suggestions]

        def chosen(ids: list[str] | None) -> None:
            if not ids:
                return
            changed = vendors.apply_likelihood_suggestions(a, [s for s in suggestions if s.risk_id in ids])
            self.after_change(f"Raised the likelihood of {', '.join(changed)}; re-scored with the risk method.")

        self.app.push_screen(PickDialog(
            f"Raise likelihood of {vid}'s supply-chain risks",
            "The vendor's rating suggests these changes. Tick the ones to apply; nothing changes otherwise.",
            items, chosen=set(), ok="Apply"), chosen)

    def after_change(self, message: str = "") -> None:
        super().after_change(message)
        self._show_score()

    @on(RegisterView.Changed)
    def _changed(self, event: RegisterView.Changed) -> None:
        self.after_change(event.message)

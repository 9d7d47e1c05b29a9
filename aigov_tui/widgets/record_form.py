"""A form for any register, built from its declaration, with inline validation."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, Select, SelectionList, Static, TextArea
from textual.widgets.selection_list import Selection

from ..core.schema import Field, Kind, Problem, Register, display


def _widget_id(key: str) -> str:
    return f"field-{key}"


class RecordForm(VerticalScroll):
    """Renders every field of a register; shows each problem under its field.

    The form only collects values. Whoever owns it passes the values to a core function and
    hands back the problems with :meth:`show_problems`.
    """

    class Changed(Message):
        """A value changed (after the form was first filled)."""

        def __init__(self, form: "RecordForm") -> None:
            super().__init__()
            self.form = form

        @property
        def control(self) -> "RecordForm":
            return self.form

    MAX_LIST_OPTIONS = 40
    """Reference fields with more options than this are typed as IDs (e.g. Annex A controls)."""

    def __init__(self, register: Register, values: dict[str, Any] | None = None, *,
                 options: dict[str, list[tuple[Any, str]]] | None = None,
                 read_only: bool = False, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self.register = register
        self.options = options or {}
        self.initial = dict(values or register.blank())
        self.read_only = read_only
        self._touched: set[str] = set()
        self._shown: dict[str, str] = {}
        self._ready = False

    # building ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        for f in self.register.input_fields:
            with Vertical(classes="form-field", id=f"row-{f.key}"):
                mark = " *" if f.required else (" (*)" if f.required_when else "")
                yield Label(f"{f.label}{mark}", classes="field-label")
                yield self._make_widget(f, self.initial.get(f.key))
                yield Static("", classes="field-error", id=f"error-{f.key}")
        yield Static("", id="field-help", classes="field-help")

    def _make_widget(self, f: Field, value: Any) -> Widget:
        wid = _widget_id(f.key)
        disabled = self.read_only
        if f.kind is Kind.LONGTEXT:
            w: Widget = TextArea(str(value or ""), id=wid, soft_wrap=True, tab_behavior="focus",
                                 compact=True, disabled=disabled, classes="field-longtext")
        elif f.kind is Kind.CHOICE:
            w = Select([(c, c) for c in f.choices], value=value if value in f.choices else Select.NULL,
                       allow_blank=True, prompt="Choose…", id=wid, compact=True, disabled=disabled)
        elif f.kind in (Kind.REF, Kind.SCALE):
            opts = self.options.get(f.key, [])
            known = {v for v, _ in opts}
            w = Select([(label, v) for v, label in opts], value=value if value in known else Select.NULL,
                       allow_blank=True, prompt="Choose…", id=wid, compact=True, disabled=disabled)
        elif f.kind is Kind.REFS and len(self.options.get(f.key, [])) <= self.MAX_LIST_OPTIONS:
            chosen = set(value or [])
            w = SelectionList[str](
                *[Selection(label, v, v in chosen) for v, label in self.options.get(f.key, [])],
                id=wid, compact=True, disabled=disabled, classes="field-multi",
            )
        elif f.kind is Kind.MULTICHOICE:
            chosen = set(value or []) | set(f.always)
            w = SelectionList[str](
                *[Selection(c, c, c in chosen, disabled=c in f.always) for c in f.choices],
                id=wid, compact=True,
                disabled=disabled, classes="field-multi",
            )
        else:
            placeholder = {Kind.DATE: "YYYY-MM-DD", Kind.REFS: "IDs separated by commas"}.get(f.kind, "")
            w = Input(display(f, value), id=wid, placeholder=placeholder, compact=True,
                      max_length=10 if f.kind is Kind.DATE else 0 if f.kind is Kind.REFS else f.limit,
                      type="integer" if f.kind is Kind.INTEGER else "text", disabled=disabled)
        w.tooltip = f.help or None
        return w

    def on_mount(self) -> None:
        self.call_after_refresh(self._set_ready)

    def _set_ready(self) -> None:
        self._ready = True

    # reading -------------------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        """The raw values as typed; the core parses and validates them."""
        out: dict[str, Any] = {}
        if "id" in self.initial:
            out["id"] = self.initial["id"]
        for f in self.register.input_fields:
            w = self.query_one(f"#{_widget_id(f.key)}")
            if isinstance(w, TextArea):
                out[f.key] = w.text
            elif isinstance(w, Select):
                out[f.key] = None if w.value is Select.NULL else w.value
            elif isinstance(w, SelectionList):
                order = list(f.choices) or [v for v, _ in self.options.get(f.key, [])]
                out[f.key] = [c for c in order if c in w.selected]
            elif isinstance(w, Input):
                out[f.key] = w.value
        return out

    def check(self, *, all_fields: bool = True) -> list[Problem]:
        """Validate through the declaration and show the messages; returns the problems.

        These are the field-level checks; the core adds the checks that need the whole
        assessment when the record is submitted.
        """
        if all_fields:
            self.mark_all_touched()
        record, problems = self.register.coerce(self.values())
        if not problems:
            problems = self.register.validate(record)
        self.show_problems(problems)
        return problems

    def mark_all_touched(self) -> None:
        self._touched.update(self.register.keys)

    def show_problems(self, problems: list[Problem]) -> None:
        by_field: dict[str, str] = {}
        for p in problems:
            by_field.setdefault(p.field, p.message)
        for f in self.register.input_fields:
            message = by_field.get(f.key, "") if f.key in self._touched else ""
            if self._shown.get(f.key, "") == message:
                continue  # unchanged: no relayout while typing
            self._shown[f.key] = message
            error = self.query_one(f"#error-{f.key}", Static)
            error.update(message)
            error.set_class(bool(message), "-shown")
            self.query_one(f"#row-{f.key}").set_class(bool(message), "-invalid")

    def focus_first_problem(self, problems: list[Problem]) -> None:
        for p in problems:
            try:
                self.query_one(f"#{_widget_id(p.field)}").focus()
                return
            except Exception:
                continue

    # events --------------------------------------------------------------------------------
    def _field_key(self, widget: Widget | None) -> str | None:
        wid = getattr(widget, "id", None) or ""
        return wid[len("field-"):] if wid.startswith("field-") else None

    @on(Input.Changed)
    @on(Select.Changed)
    @on(TextArea.Changed)
    @on(SelectionList.SelectedChanged)
    def _changed(self, event: Message) -> None:
        key = self._field_key(getattr(event, "control", None))
        if key is None or not self._ready:
            return
        self._touched.add(key)
        self.check(all_fields=False)
        self.post_message(self.Changed(self))

    def on_descendant_focus(self, event: Any) -> None:
        key = self._field_key(event.widget)
        if key is None:
            return
        f = self.register.field(key)
        rule = f.requirement_text(self.register)
        help_text = " ".join(t for t in (f.help, rule) if t)
        help_widget = self.query_one("#field-help", Static)
        help_widget.update(help_text)
        help_widget.set_class(bool(help_text), "-shown")

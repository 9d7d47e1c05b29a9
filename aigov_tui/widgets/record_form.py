"""A form for any register, built from its declaration, with inline validation."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, Select, SelectionList, Static, TextArea
from textual.widgets.selection_list import Selection

from ..core.schema import Field, Kind, Problem, Register, display
from .ticklist import TickList


def _widget_id(key: str) -> str:
    return f"field-{key}"


def accelerators(labels: list[tuple[str, str]]) -> dict[str, tuple[str, int]]:
    """Give each field a letter of its label (``alt+letter`` jumps to it), each letter once.

    ``labels`` is (field key, label) in form order. Word starts are preferred, then any
    letter of the label. Returns field key -> (letter, index of that letter in the label);
    fields left without a free letter are reached with ctrl+f.
    """
    candidates: dict[str, list[tuple[str, int]]] = {}
    for key, label in labels:
        starts = [i for i, ch in enumerate(label) if ch.isalpha() and (i == 0 or not label[i - 1].isalnum())]
        rest = [i for i, ch in enumerate(label) if ch.isalpha() and i not in starts]
        seen: set[str] = set()
        options = []
        for i in starts + rest:
            letter = label[i].lower()
            if "a" <= letter <= "z" and letter not in seen:
                seen.add(letter)
                options.append((letter, i))
        candidates[key] = options
    owner: dict[str, str] = {}  # letter -> field key

    def place(key: str, visited: set[str]) -> bool:
        # first a free letter in order of preference, then one whose field can move (Kuhn)
        for letter, _ in candidates[key]:
            if letter not in owner:
                owner[letter] = key
                return True
        for letter, _ in candidates[key]:
            if letter in visited:
                continue
            visited.add(letter)
            if place(owner[letter], visited):
                owner[letter] = key
                return True
        return False

    for key, _ in labels:
        place(key, set())
    index = {(k, letter): i for k, opts in candidates.items() for letter, i in opts}
    return {k: (letter, index[(k, letter)]) for letter, k in owner.items()}


class RecordForm(Vertical):
    """Renders every field of a register; shows each problem under its field.

    The form only collects values. Whoever owns it passes the values to a core function and
    hands back the problems with :meth:`show_problems`. ``alt`` and a label's underlined
    letter, or ``ctrl+f`` and part of its name, jump to a field; the focused field is always
    scrolled into view.
    """

    BINDINGS = [
        Binding("ctrl+f", "find_field", "Find field", tooltip="Jump to a field by typing part of its name"),
    ]

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
        self.accelerators = accelerators([(f.key, f.label) for f in register.input_fields])
        for key, (letter, _) in self.accelerators.items():
            # priority: a focused text field would otherwise take alt+letter as the letter
            self._bindings.bind(f"alt+{letter}", f"jump('{key}')", show=False, priority=True)

    # building ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with VerticalScroll(id="form-scroll", classes="form-scroll"):
            for f in self.register.input_fields:
                with Vertical(classes="form-field", id=f"row-{f.key}"):
                    yield Label(self._label(f), classes="field-label")
                    yield self._make_widget(f, self.initial.get(f.key))
                    yield Static("", classes="field-error", id=f"error-{f.key}")
        yield Static("", id="field-help", classes="field-help")

    def _label(self, f: Field) -> Text:
        mark = " *" if f.required else (" (*)" if f.required_when else "")
        text = Text(f"{f.label}{mark}")
        if f.key in self.accelerators:
            i = self.accelerators[f.key][1]
            text.stylize("underline", i, i + 1)
        return text

    def focus(self, scroll_visible: bool = True) -> "RecordForm":
        """Focusing the form focuses its scrolling body (Tab then moves into the fields)."""
        self.query_one("#form-scroll", VerticalScroll).focus(scroll_visible)
        return self

    # jumping -------------------------------------------------------------------------------
    def action_jump(self, key: str) -> None:
        """Focus a field (read-only forms: show it) and scroll it into view."""
        try:
            widget = self.query_one(f"#{_widget_id(key)}")
        except Exception:
            return
        if widget.focusable:
            widget.focus()
        self._reveal(key)

    def action_find_field(self) -> None:
        from .dialogs import FieldFinder

        fields = [(f.key, f.label) for f in self.register.input_fields]

        def chosen(key: str | None) -> None:
            if key:
                self.action_jump(key)

        self.app.push_screen(FieldFinder(fields), chosen)

    def _reveal(self, key: str) -> None:
        """Scroll the whole field (label, input, message) into view, clear of the help line."""
        try:
            row = self.query_one(f"#row-{key}")
        except Exception:
            return
        self.query_one("#form-scroll", VerticalScroll).scroll_to_widget(row, animate=False, immediate=True)

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
            w = TickList(
                *[Selection(label, v, v in chosen) for v, label in self.options.get(f.key, [])],
                id=wid, compact=True, disabled=disabled, classes="field-multi",
            )
        elif f.kind is Kind.MULTICHOICE:
            chosen = set(value or []) | set(f.always)
            w = TickList(
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
        # after the help line has taken its height, so the field is not hidden under it
        self.call_after_refresh(self._reveal, key)

    @on(SelectionList.SelectionHighlighted)
    def _tick_cursor(self, event: SelectionList.SelectionHighlighted) -> None:
        """Keep a tick list's cursor on screen: the list is scrolled into view with it."""
        key = self._field_key(event.selection_list)
        if key is not None:
            self._reveal(key)

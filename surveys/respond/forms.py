"""The respondent's page: one form per section, built from the questionnaire snapshot.

The form renders and collects; it decides nothing. Every field is optional at the form level and
the posted values go straight to `response_validate`, whose errors the form then shows next to
their question, so that a rule lives in exactly one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Any

from django import forms
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from surveys.answers import OTHER_SUFFIX, Answers, answer_to_wide
from surveys.schema import QuestionSpec, SectionSpec, SurveySchema
from surveys.validation import ValidationResult


@dataclass(frozen=True)
class Choice:
    """One option input, worked out once in Python so the template loops over plain values.

    Django's per-option subwidgets (and a lookup of each option's spec inside the loop) made the
    big matrices the bulk of a page's render time; the markup they produced is kept as it was.
    """

    name: str
    value: str
    id: str
    label: str
    checked: bool
    hint: str = ""
    exclusive: bool = False
    other: bool = False


@dataclass
class QuestionView:
    """What a question's template needs: the spec, its texts in the page language, its fields."""

    spec: QuestionSpec
    number: int
    text: str
    help: str
    fields: list[forms.BoundField]
    other: forms.BoundField | None = None
    choices: list[Choice] = field(default_factory=list)
    rows: list[tuple[str, SafeString]] = field(default_factory=list)
    points: list[tuple[int, str]] = field(default_factory=list)
    scale_hint: str = ""
    errors: list[str] = field(default_factory=list)
    shown: bool = True
    lang: str = ""  # the language of `text`, which falls back to the other one where missing

    @property
    def dom_id(self) -> str:
        return f"q-{self.spec.code}"

    @property
    def matrix_html(self) -> SafeString:
        return _matrix_html(self)

    @property
    def options_html(self) -> SafeString:
        """A dropdown's <option>s (a region list runs to twenty)."""
        return mark_safe(  # every value is escaped
            "".join(
                f'<option value="{escape(c.value)}"{" selected" if c.checked else ""}>'
                f"{escape(c.label)}</option>"
                for c in self.choices
            )
        )

    @property
    def choices_html(self) -> SafeString:
        # Read by the template at render time, once the page's errors are attached.
        return _choices_html(self)

    @property
    def condition(self) -> dict[str, str] | None:
        condition = self.spec.condition
        if condition is None:
            return None
        return {"question": condition.question, "options": " ".join(sorted(condition.options))}


def _points_html(choices: list[Choice], row_label_id: str) -> SafeString:
    """A matrix row's radio buttons, the markup question.html's loop gave, without the loop.

    The channel matrices hold most of a page's inputs; formatting them here costs a fraction of
    a template loop. Nothing in them depends on the page's errors (see question.html). Each radio
    is named by its row and its point ("Phone 4"): a screen reader moving down a column, or a
    voice user saying the name, would otherwise hear only "4". `html.escape` is Django's `escape`
    without its lazy-string wrapper, which cost more than the escaping on these hundreds of
    inputs; every value is a plain str.
    """
    row = escape(row_label_id)
    parts = []
    for c in choices:
        i = escape(c.id)
        hint = f'<span class="matrix-point-label"> — {escape(c.hint)}</span>' if c.hint else ""
        parts.append(
            f'\n          <input class="btn-check" type="radio" name="{escape(c.name)}"'
            f' value="{escape(c.value)}" id="{i}"{" checked" if c.checked else ""}'
            f' aria-labelledby="{row} {i}-l">'
            f'\n          <label class="btn btn-outline-primary" for="{i}" id="{i}-l">'
            f"{escape(c.label)}{hint}</label>\n        "
        )
    return mark_safe("".join(parts))  # every value above is escaped


def _matrix_html(view: QuestionView) -> SafeString:
    """A matrix: its column header (hidden from screen readers: each radio carries its point)
    and one named radio group per row, as question.html's loops gave them."""
    head = "".join(
        f"<span>{p}"
        + (f'<small class="d-block fw-normal">{escape(label)}</small>' if label else "")
        + "</span>"
        for p, label in view.points
    )
    parts = [
        f'<div class="matrix" style="--points: {len(view.points)}">\n'
        f'      <div class="matrix-head" aria-hidden="true"><span></span>{head}</div>\n      '
    ]
    for number, (label, points) in enumerate(view.rows, start=1):
        row = f"{view.dom_id}-{number}"
        parts.append(
            f'\n      <div class="matrix-row" role="radiogroup" aria-labelledby="{row}-label"'
            f' id="{row}">\n        <span class="matrix-label" id="{row}-label">{escape(label)}'
            f'</span>\n        <div class="matrix-points">\n        {points}\n        </div>'
            "\n      </div>\n      "
        )
    parts.append("\n    </div>")
    return mark_safe("".join(parts))  # the labels are escaped, `points` is built escaped


def _other_html(other: forms.BoundField) -> str:
    """surveys/other_input.html, for a choice list rendered in Python."""
    value = other.value()
    return (
        '<div class="other-text ms-4 mt-1 mb-2" data-other-box>\n'
        f'  <label class="form-label small mb-1" for="{escape(other.auto_id)}">'
        f"{escape(gettext('Please specify:'))}</label>\n"
        f'  <input type="text" name="{escape(other.html_name)}" id="{escape(other.auto_id)}"'
        ' class="form-control form-control-sm" maxlength="500"'
        f' value="{escape("" if value is None else str(value))}">\n'
        "</div>\n"
    )


def _choices_html(view: QuestionView) -> SafeString:
    """A single, multiple or rating question's inputs: question.html's loop, without the loop."""
    parts = []
    if view.spec.type == "rating":
        for c in view.choices:
            i = escape(c.id)
            parts.append(
                f'\n      <input class="btn-check" type="radio" name="{escape(c.name)}"'
                f' value="{escape(c.value)}" id="{i}"{" checked" if c.checked else ""}>'
                f'\n      <label class="btn btn-outline-primary rating-point" for="{i}">'
                f"{escape(c.label)}</label>\n    "
            )
        return mark_safe("".join(parts))  # every value above is escaped
    kind = "radio" if view.spec.type == "single" else "checkbox"
    invalid = ' aria-invalid="true"' if view.errors else ""
    for c in view.choices:
        i = escape(c.id)
        parts.append(
            f'\n      <div class="form-check">\n        <input class="form-check-input"'
            f' type="{kind}" name="{escape(c.name)}" value="{escape(c.value)}" id="{i}"'
            f"{' checked' if c.checked else ''}{invalid}\n          "
            f"{' data-exclusive' if c.exclusive else ''}{' data-other' if c.other else ''}>"
            f'\n        <label class="form-check-label" for="{i}">{escape(c.label)}</label>'
            "\n      </div>\n      "
        )
        if c.other and view.other is not None:
            parts.append(_other_html(view.other))
    return mark_safe("".join(parts))  # every value above is escaped


class SectionForm(forms.Form):
    def __init__(
        self,
        *args: Any,
        schema: SurveySchema,
        section: SectionSpec,
        language: str,
        saved: Answers,
        numbers: Mapping[str, int],
        **kwargs: Any,
    ) -> None:
        initial = {}
        for code in section.questions:
            if code in saved:
                initial.update(answer_to_wide(schema.questions[code], saved[code]))
        multiple = {c for c in section.questions if schema.questions[c].type == "multiple"}
        for code in multiple & set(initial):
            initial[code] = initial[code].split()
        super().__init__(*args, initial=initial, **kwargs)
        self.schema, self.section, self.language = schema, section, language
        shown = schema.visible_questions(saved)
        self.views: list[QuestionView] = []
        self._options_filled = False
        for code in section.questions:
            spec = schema.questions[code]
            self._add_fields(spec)
            self.views.append(self._view(spec, numbers.get(code, 0), code in shown))

    def _label(self, text: Any) -> str:
        return text.get(self.language)

    def _add_fields(self, q: QuestionSpec) -> None:
        options = [(o.code, self._label(o.label)) for o in q.options]
        if q.type == "single":
            if q.widget == "dropdown":
                choices = [("", _("— choose —")), *options]
                self.fields[q.code] = forms.ChoiceField(
                    choices=choices, required=False, widget=forms.Select
                )
            else:
                self.fields[q.code] = forms.ChoiceField(
                    choices=options, required=False, widget=forms.RadioSelect
                )
        elif q.type == "multiple":
            self.fields[q.code] = forms.MultipleChoiceField(
                choices=options, required=False, widget=forms.CheckboxSelectMultiple
            )
        elif q.type == "matrix":
            points = [(str(p), str(p)) for p in q.scale_points()]
            # One field serves every row (fields hold no per-name state): its choices are
            # normalised once instead of once per row.
            shared = forms.ChoiceField(choices=points, required=False, widget=forms.RadioSelect)
            for row in q.rows:
                self.fields[f"{q.code}.{row.code}"] = shared
        elif q.type == "rating":
            points = [(str(p), str(p)) for p in q.scale_points()]
            self.fields[q.code] = forms.ChoiceField(
                choices=points, required=False, widget=forms.RadioSelect
            )
        elif q.type == "number":
            attrs = {"inputmode": "numeric", "class": "form-control", "step": "1"}
            if q.number_min is not None:
                attrs["min"] = str(q.number_min)
            if q.number_max is not None:
                attrs["max"] = str(q.number_max)
            self.fields[q.code] = forms.CharField(
                required=False, widget=forms.NumberInput(attrs=attrs)
            )
        elif q.type == "decimal":
            # Text, not type=number: browsers refuse "3,5" there, which kk and ru readers write.
            self.fields[q.code] = forms.CharField(required=False)
        elif q.is_note:
            return  # shown, never answered
        else:
            widget = (
                forms.TextInput if q.type == "short_text" else forms.Textarea(attrs={"rows": 4})
            )
            self.fields[q.code] = forms.CharField(required=False, widget=widget, strip=False)
            self.fields[q.code].widget.attrs["class"] = "form-control"
        if q.other_option is not None:
            self.fields[f"{q.code}.{OTHER_SUFFIX}"] = forms.CharField(
                required=False,
                widget=forms.TextInput(attrs={"class": "form-control", "maxlength": "500"}),
            )

    def _view(self, q: QuestionSpec, number: int, shown: bool) -> QuestionView:
        view = QuestionView(
            spec=q,
            number=number,
            text=self._label(q.text),
            help=self._label(q.help),
            fields=[self[q.code]] if q.type not in ("matrix", "note") else [],
            shown=shown,
        )
        # A text missing in the page's language stands in from the other one, marked as such so
        # that a screen reader reads it with the right voice.
        other = "ru" if self.language == "kk" else "kk"
        view.lang = self.language if getattr(q.text, self.language) else other
        if q.other_option is not None:
            view.other = self[f"{q.code}.{OTHER_SUFFIX}"]
        if q.is_scaled:
            view.points = [
                (p, self._label(label) if (label := q.scale_label(p)) else "")
                for p in q.scale_points()
            ]
            view.scale_hint = "; ".join(f"{p} — {text}" for p, text in view.points if text)
        return view

    @property
    def questions(self) -> list[QuestionView]:
        """The views with their options worked out: only when the page is rendered, not for a
        post that is saved and redirected."""
        if not self._options_filled:
            for view in self.views:
                self._options_fill(view)
            self._options_filled = True
        return self.views

    def _options_fill(self, view: QuestionView) -> None:
        q = view.spec
        if q.type == "matrix":
            hints = {str(p): text for p, text in view.points}
            view.rows = [
                (
                    self._label(r.label),
                    _points_html(
                        self._choices(self[f"{q.code}.{r.code}"], q, hints),
                        f"{view.dom_id}-{number}-label",
                    ),
                )
                for number, r in enumerate(q.rows, start=1)
            ]
        elif q.type in ("single", "multiple", "rating"):
            view.choices = self._choices(self[q.code], q, {})

    def _choices(
        self, bound: forms.BoundField, q: QuestionSpec, hints: Mapping[str, str]
    ) -> list[Choice]:
        """A field's options with their checked state, as Django's widgets would mark them."""
        value = bound.value()
        values = value if isinstance(value, (list, tuple)) else [value]
        chosen = {"" if v is None else str(v) for v in values}
        # Worked out once per field, not per option: each is a property that formats anew.
        name, auto_id = bound.html_name, bound.auto_id
        specs = {o.code: o for o in q.options}
        choices = []
        for i, (code, label) in enumerate(bound.field.choices):
            spec = specs.get(code)
            code = str(code)
            choices.append(
                Choice(
                    name=name,
                    value=code,
                    id=f"{auto_id}_{i}",
                    label=str(label),
                    checked=code in chosen,
                    hint=hints.get(code, ""),
                    exclusive=bool(spec and spec.is_exclusive),
                    other=bool(spec and spec.is_other),
                )
            )
        return choices

    def wide_data(self) -> dict[str, Any]:
        """The posted values of this page (and any posted key naming another question)."""
        data: dict[str, Any] = {}
        for name in self.data:
            base = name.partition(".")[0]
            if base not in self.schema.questions:
                continue
            if self.schema.questions[base].type == "multiple" and "." not in name:
                data[name] = self.data.getlist(name)
            else:
                data[name] = self.data.get(name)
        return data

    def show_errors(self, result: ValidationResult) -> list[tuple[str, str]]:
        """Attach the layer's errors to their questions; returns (anchor, message) for a summary."""
        messages = result.messages(self.language)
        by_code = {v.spec.code: v for v in self.views}
        summary: list[tuple[str, str]] = []
        for key, texts in messages.items():
            view = by_code.get(key.partition(".")[0])
            if view is None:
                summary.extend(("", text) for text in texts)
                continue
            view.errors.extend(texts)
            view.shown = True
            summary.extend((view.dom_id, f"{view.number}. {view.text}: {text}") for text in texts)
        return summary

"""The respondent's page: one form per section, built from the questionnaire snapshot.

The form renders and collects; it decides nothing. Every field is optional at the form level and
the posted values go straight to `response_validate`, whose errors the form then shows next to
their question, so that a rule lives in exactly one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, LayoutObject
from django import forms
from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
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
    voice user saying the name, would otherwise hear only "4".
    """
    return format_html_join(
        "",
        '\n          <input class="btn-check" type="radio" name="{}" value="{}" id="{}"{}'
        ' aria-labelledby="{} {}-l">'
        '\n          <label class="btn btn-outline-primary" for="{}" id="{}-l">{}{}</label>'
        "\n        ",
        (
            (
                c.name,
                c.value,
                c.id,
                " checked" if c.checked else "",
                row_label_id,
                c.id,
                c.id,
                c.id,
                c.label,
                format_html('<span class="matrix-point-label"> — {}</span>', c.hint)
                if c.hint
                else "",
            )
            for c in choices
        ),
    )


class QuestionBlock(LayoutObject):
    """A crispy layout object: one question as a fieldset with its legend, help and errors."""

    template = "surveys/question.html"

    def __init__(self, view: QuestionView) -> None:
        self.view = view

    def render(
        self, form: forms.Form, context: Any, template_pack: str = "bootstrap5", **kwargs: Any
    ) -> str:
        return render_to_string(self.template, {"q": self.view, "form": form})


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
        for code in section.questions:
            spec = schema.questions[code]
            self._add_fields(spec)
            self.views.append(self._view(spec, numbers.get(code, 0), code in shown))
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(*(QuestionBlock(v) for v in self.views))

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
            for row in q.rows:
                self.fields[f"{q.code}.{row.code}"] = forms.ChoiceField(
                    choices=points, required=False, widget=forms.RadioSelect
                )
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
        return view

    def _choices(
        self, bound: forms.BoundField, q: QuestionSpec, hints: Mapping[str, str]
    ) -> list[Choice]:
        """A field's options with their checked state, as Django's widgets would mark them."""
        value = bound.value()
        values = value if isinstance(value, (list, tuple)) else [value]
        chosen = {"" if v is None else str(v) for v in values}
        specs = {o.code: o for o in q.options}
        choices = []
        for i, (code, label) in enumerate(bound.field.choices):
            spec = specs.get(code)
            choices.append(
                Choice(
                    name=bound.html_name,
                    value=str(code),
                    id=f"{bound.auto_id}_{i}",
                    label=str(label),
                    checked=str(code) in chosen,
                    hint=hints.get(str(code), ""),
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

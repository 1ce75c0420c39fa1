"""Forms of the questionnaire builder: they render and collect, the builder services decide.

Fields are taken from the models (`fields_for_model`) so that labels, lengths and the code rule
match the admin's; the forms are plain `Form`s rather than `ModelForm`s because a ModelForm writes
the posted values into the instance while validating, and the service compares the stored text
with the new one to record wording changes. Every Kazakh field sits beside its Russian twin.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Div, Field, Fieldset, Layout, Row
from django import forms
from django.db import models
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from surveys.builder.questions import QUESTION_FIELDS
from surveys.decimals import decimal_plain
from surveys.models import Option, Question, ScaleLabel, Section, Survey
from surveys.models import Row as MatrixRow

# Which settings belong to which question types: the page shows a group only for its types
# (static/js/builder.js); the service clears the settings a type does not use.
SETTING_GROUPS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "widget": (("widget",), ("single",)),
    "choices": (("min_choices", "max_choices"), ("multiple",)),
    "scale": (("scale_min", "scale_max", "scale_na"), ("matrix", "rating")),
    "number": (("number_min", "number_max"), ("number",)),
    "decimal": (("decimals", "decimal_min", "decimal_max"), ("decimal",)),
}
CHOICE_TYPES = ("single", "multiple")

MESSAGES = {
    "one_question": _("Choose options of one question only."),
}


def _pair(name: str) -> Row:
    """The Kazakh and Russian fields of `name` side by side (stacked on a phone)."""
    return Row(
        Column(Field(f"{name}_kk", lang="kk"), css_class="col-md-6"),
        Column(Field(f"{name}_ru", lang="ru"), css_class="col-md-6"),
    )


class BuilderForm(forms.Form):
    """A form whose fields come from `model`; `layout()` arranges them for crispy."""

    model: ClassVar[type[models.Model]]
    field_names: ClassVar[Sequence[str]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(self.model, fields=self.field_names))
        for name, formfield in self.fields.items():
            # A draft may hold one language only; the service says what is missing, and the
            # parity gate keeps it from respondents until both are written.
            if name.endswith(("_kk", "_ru")):
                formfield.required = False
            if isinstance(formfield.widget, forms.Textarea):
                formfield.widget.attrs["rows"] = 3
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = self.layout()

    def layout(self) -> Layout:
        return Layout(*self.field_names)

    @classmethod
    def initial_from(cls, obj: models.Model) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in cls.field_names}


class SurveyCreateForm(BuilderForm):
    model = Survey
    field_names = ("slug", "title_kk", "title_ru", "default_language", "intro_kk", "intro_ru")

    def layout(self) -> Layout:
        return Layout(
            Row(
                Column("slug", css_class="col-md-6"),
                Column("default_language", css_class="col-md-6"),
            ),
            _pair("title"),
            _pair("intro"),
        )


# The draft and reminder settings: shown on the page, but not required in a post.
KEPT_WHEN_ABSENT = ("draft_days", "reminder_after_days", "reminder_max")


class SurveySettingsForm(BuilderForm):
    model = Survey
    field_names = (
        "title_kk",
        "title_ru",
        "intro_kk",
        "intro_ru",
        "default_language",
        "access",
        "min_cell_size",
        "opens_at",
        "closes_at",
        "draft_days",
        "reminder_after_days",
        "reminder_max",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("opens_at", "closes_at"):
            self.fields[name].widget = forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            )
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"]
        # A post without them (an older page, a script) keeps what is stored: see clean().
        for name in KEPT_WHEN_ABSENT:
            self.fields[name].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in KEPT_WHEN_ABSENT:
            if data.get(name) is None:
                data.pop(name, None)
        return data

    def layout(self) -> Layout:
        return Layout(
            _pair("title"),
            _pair("intro"),
            Row(
                Column("default_language", css_class="col-md-4"),
                Column("access", css_class="col-md-5"),
                Column("min_cell_size", css_class="col-md-3"),
            ),
            Row(
                Column("opens_at", css_class="col-md-6"), Column("closes_at", css_class="col-md-6")
            ),
            Row(
                Column("draft_days", css_class="col-md-4"),
                Column("reminder_after_days", css_class="col-md-4"),
                Column("reminder_max", css_class="col-md-4"),
            ),
        )


class SurveyDuplicateForm(forms.Form):
    slug = forms.SlugField(label=_("slug of the new version"), max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class SectionForm(BuilderForm):
    model = Section
    field_names = ("code", "title_kk", "title_ru", "description_kk", "description_ru")

    def layout(self) -> Layout:
        return Layout("code", _pair("title"), _pair("description"))


class QuestionForm(BuilderForm):
    model = Question
    field_names = QUESTION_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].widget.attrs["data-question-type"] = ""
        # Only single choice uses it, and the service falls back to radio buttons.
        self.fields["widget"].required = False
        for name in ("help_kk", "help_ru"):
            self.fields[name].widget.attrs["rows"] = 2
        # Text, so that a bound may be written with a comma; the service reads both.
        for name in ("decimal_min", "decimal_max"):
            self.fields[name] = forms.CharField(
                label=self.fields[name].label,
                required=False,
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            )

    @classmethod
    def initial_from(cls, obj: models.Model) -> dict[str, Any]:
        initial = super().initial_from(obj)
        for name in ("decimal_min", "decimal_max"):
            if initial[name] is not None:
                initial[name] = decimal_plain(initial[name])  # 0.25, not 0.250000
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("widget"):
            data.pop("widget", None)  # not sent: the service keeps what is stored
        return data

    def layout(self) -> Layout:
        def group(key: str, legend: Any) -> Div:
            names, types = SETTING_GROUPS[key]
            return Div(
                Fieldset(legend, Row(*(Column(n, css_class="col-sm") for n in names))),
                css_class="border rounded px-3 pt-2 mb-3",
                data_setting_group=key,
                data_types=" ".join(types),
            )

        return Layout(
            Row(Column("code", css_class="col-md-6"), Column("type", css_class="col-md-6")),
            _pair("text"),
            _pair("help"),
            "required",
            group("widget", _("Single choice: how the options are shown")),
            group("choices", _("Multiple choice: how many options may be chosen")),
            group("scale", _("Matrix and rating: the scale")),
            group("number", _("Number: the bounds")),
            group("decimal", _("Decimal number: places and bounds")),
        )


class OptionForm(BuilderForm):
    model = Option
    field_names = ("code", "label_kk", "label_ru", "is_other", "is_exclusive")

    def layout(self) -> Layout:
        return Layout(
            "code",
            _pair("label"),
            Row(
                Column("is_other", css_class="col-auto"),
                Column("is_exclusive", css_class="col-auto"),
            ),
        )


class RowForm(BuilderForm):
    model = MatrixRow
    field_names = ("code", "label_kk", "label_ru")

    def layout(self) -> Layout:
        return Layout("code", _pair("label"))


class ScaleLabelForm(BuilderForm):
    model = ScaleLabel
    field_names = ("value", "label_kk", "label_ru")

    def layout(self) -> Layout:
        return Layout(
            Row(
                Column("value", css_class="col-md-2"),
                Column(Field("label_kk", lang="kk"), css_class="col-md-5"),
                Column(Field("label_ru", lang="ru"), css_class="col-md-5"),
            )
        )


class ConditionForm(forms.Form):
    """Shown only if an earlier answer is one of the chosen options; none chosen: always shown.

    The options of every candidate question are listed, grouped by question, as `question:option`
    values, so one list both picks the question and its options without a second round trip.
    """

    options = forms.MultipleChoiceField(
        label=_("Shown only if the answer is one of"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self, *args: Any, candidates: Iterable[Question], language: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        groups = []
        for question in candidates:
            choices = [
                (f"{question.code}:{o.code}", o.label(language)) for o in question.options.all()
            ]
            groups.append((f"{question.code}: {question.text(language)}", choices))
        self.fields["options"].choices = groups
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    @staticmethod
    def initial_for(target: Section | Question) -> dict[str, list[str]]:
        chosen = target.show_if_options.select_related("question")
        return {"options": [f"{o.question.code}:{o.code}" for o in chosen]}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        pairs = [value.split(":", 1) for value in data.get("options", [])]
        questions = {code for code, _option in pairs}
        if len(questions) > 1:
            self.add_error("options", MESSAGES["one_question"])
        data["question_code"] = next(iter(questions), None)
        data["option_codes"] = [option for _code, option in pairs]
        return data

"""Forms of the questionnaire admin: display conditions limited to earlier questions, and the
structural rules (one "other", exclusive only in a multiple choice, labels on the scale)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .models import Option, Question, Section
from .resources import CHOICE_TYPES, question_errors

MESSAGES = {
    "one_question": _("Choose options of one question only."),
    "not_earlier": _("A condition can only refer to an earlier question."),
    "section_of_other_survey": _("This section belongs to another survey."),
    "one_other": _("At most one option can be “other”."),
    "exclusive_single": _("Only an option of a multiple choice question can be exclusive."),
    "off_scale": _("%(value)s is not a point of this question's scale."),
}


def _condition_options(survey_id: int | None) -> QuerySet[Option]:
    """Options that a display condition may name: those of the survey's choice questions."""
    return (
        Option.objects.filter(question__survey_id=survey_id, question__type__in=CHOICE_TYPES)
        .select_related("question")
        .order_by("question__section__position", "question__position", "position", "id")
    )


def _question_before(question: Question) -> Q:
    """Questions strictly earlier than `question` in the questionnaire's order."""
    section = question.section
    same_section = Q(question__section_id=section.pk) & (
        Q(question__position__lt=question.position)
        | Q(question__position=question.position, question__id__lt=question.pk or 0)
    )
    return _section_before(section) | same_section


def _section_before(section: Section) -> Q:
    return Q(question__section__position__lt=section.position) | Q(
        question__section__position=section.position, question__section__id__lt=section.pk or 0
    )


def _survey_id(form: forms.ModelForm) -> int | None:
    """The survey being edited: the instance's, or the one chosen or preset on an add page."""
    if form.instance.survey_id:
        return form.instance.survey_id
    value = str(form.data.get("survey") or form.initial.get("survey") or "")
    return int(value) if value.isdigit() else None


class ConditionForm(forms.ModelForm):
    """`show_if_options` offers and accepts only options of one earlier choice question."""

    def earlier(self, cleaned: dict[str, Any] | None = None) -> Q | None:
        """Options placed before this object (with the positions in `cleaned` if given)."""
        raise NotImplementedError

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "show_if_options" in self.fields:
            options = _condition_options(_survey_id(self))
            if self.instance.pk and (earlier := self.earlier()) is not None:
                options = options.filter(earlier)
            self.fields["show_if_options"].queryset = options

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        chosen = list(cleaned.get("show_if_options") or [])
        survey = cleaned.get("survey")
        survey_id = survey.pk if survey else self.instance.survey_id
        earlier = self.earlier(cleaned)
        if len({option.question_id for option in chosen}) > 1:
            self.add_error("show_if_options", MESSAGES["one_question"])
        elif (
            chosen
            and survey_id
            and earlier is not None
            and not _condition_options(survey_id).filter(earlier, pk=chosen[0].pk).exists()
        ):
            self.add_error("show_if_options", MESSAGES["not_earlier"])
        return cleaned


class SectionAdminForm(ConditionForm):
    def earlier(self, cleaned: dict[str, Any] | None = None) -> Q | None:
        position = (cleaned or {}).get("position", self.instance.position)
        return _section_before(Section(pk=self.instance.pk, position=position))


class QuestionAdminForm(ConditionForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "section" in self.fields:
            sections = Section.objects.select_related("survey")
            if survey_id := _survey_id(self):
                sections = sections.filter(survey_id=survey_id)
            self.fields["section"].queryset = sections

    def earlier(self, cleaned: dict[str, Any] | None = None) -> Q | None:
        cleaned = cleaned or {}
        section = cleaned.get("section") or (
            self.instance.section if self.instance.section_id else None
        )
        if section is None:
            return None
        position = cleaned.get("position", self.instance.position)
        return _question_before(Question(pk=self.instance.pk, section=section, position=position))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        survey, section = cleaned.get("survey"), cleaned.get("section")
        survey_id = survey.pk if survey else self.instance.survey_id
        if survey_id and section and section.survey_id != survey_id:
            self.add_error("section", MESSAGES["section_of_other_survey"])
        settings = {k: cleaned.get(k) for k in ("type", "scale_min", "scale_max")}
        for name, message in question_errors(Question(pk=self.instance.pk, **settings)).items():
            if name in self.fields:
                self.add_error(name, message)
        return cleaned


class OptionFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        kept = [
            f.cleaned_data for f in self.forms if f.cleaned_data and not self._should_delete_form(f)
        ]
        if sum(bool(data.get("is_other")) for data in kept) > 1:
            raise forms.ValidationError(MESSAGES["one_other"], code="one_other")
        if self.instance.type != Question.Type.MULTIPLE and any(
            d.get("is_exclusive") for d in kept
        ):
            raise forms.ValidationError(MESSAGES["exclusive_single"], code="exclusive_single")


class ScaleLabelFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        question = self.instance
        if question.scale_min is None or question.scale_max is None:
            return
        points = set(range(question.scale_min, question.scale_max + 1))
        if question.scale_na:
            points.add(0)
        for form in self.forms:
            value = (form.cleaned_data or {}).get("value")
            if value is not None and value not in points and not self._should_delete_form(form):
                form.add_error("value", MESSAGES["off_scale"] % {"value": value})

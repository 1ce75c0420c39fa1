"""Forms of the questionnaire admin: display conditions limited to earlier questions, the
structural rules across an inline (one "other", exclusive only in a multiple choice, labels on the
scale), and every edit tried through the builder's services before it is saved (`admin_writes`).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.permissions import surveys_editable_by
from surveys.admin.resources import CHOICE_TYPES
from surveys.admin.writes import dry_run, messages_of, structure_delete, structure_save
from surveys.models import Option, Question, Section

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
    """The survey being edited: the instance's, or the one chosen or preset on an add page.

    On an add page the id comes from the request (`?survey=` or the posted form), so it counts
    only if the user may edit that survey: otherwise the page would list another researcher's
    sections and options as choices, even while refusing the survey itself.
    """
    if form.instance.survey_id:
        return form.instance.survey_id
    value = str(form.data.get("survey") or form.initial.get("survey") or "")
    if not value.isdigit():
        return None
    editable = surveys_editable_by(user=getattr(form, "user", None) or AnonymousUser())
    return int(value) if editable.filter(pk=int(value)).exists() else None


class StructureForm(forms.ModelForm):
    """Tries the edit through the builder's services once the form is otherwise valid.

    The write is rolled back; a refusal (the structure lock, a structure problem) becomes this
    form's errors, so the page shows the reason and nothing is stored. `user` is set by the admin.
    """

    user: Any = None

    def _post_clean(self) -> None:
        super()._post_clean()
        cleaned = self.cleaned_data
        if self.errors or self.user is None or cleaned.get("DELETE"):
            return
        if self.instance.pk is not None and not self.has_changed():
            return
        refusal = dry_run(
            lambda: structure_save(obj=self.instance, user=self.user, cleaned=cleaned)
        )
        if refusal is not None:
            refusal.add_to_form(self)


class StructureFormSet(forms.BaseInlineFormSet):
    """An inline whose rows are written by the builder's services (see `StructureForm`)."""

    user: Any = None

    def _construct_form(self, i: int, **kwargs: Any) -> forms.Form:
        form = super()._construct_form(i, **kwargs)
        form.user = self.user if self.instance.pk is not None else None
        return form

    def clean(self) -> None:
        super().clean()
        if self.user is None or self.instance.pk is None:
            return
        refused: list[str] = []
        for form in self.forms:
            if self._should_delete_form(form) and form.instance.pk is not None:
                obj = form.instance
                refusal = dry_run(lambda obj=obj: structure_delete(obj=obj, user=self.user))
                refused += messages_of(refusal) if refusal else []
        if refused:
            raise forms.ValidationError(refused, code="locked")


class ConditionForm(StructureForm):
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
            else:
                # No survey chosen yet: the sections of every survey the user edits, no other.
                user = self.user or AnonymousUser()
                sections = sections.filter(survey__in=surveys_editable_by(user=user).values("pk"))
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
        return cleaned


class OptionFormSet(StructureFormSet):
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


class ScaleLabelFormSet(StructureFormSet):
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

"""The Django admin of the questionnaire: surveys, sections, questions, options, text changes.

The admin must not become a second way in: the questionnaire's structure is written through the
builder's services (`admin.structure`): the lock after responses, the record of wording fixes, the
parity gate on publishing and the structure check hold here too. The text change record is
read-only.
Every page, choice list and import row is limited to the surveys the user may edit
(`accounts.admin.scoping.SurveyScopedAdmin`); another survey's page answers 404. Responses are
browsed in `admin.responses`.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import XLSX

from accounts.admin.scoping import SurveyScopedAdmin, SurveyScopedImport
from accounts.admin.sharing import (
    MicrodataGrantInline,
    MicrodataGrantsAdmin,
    SurveyShareInline,
)
from accounts.uploads import CheckedImportForm
from surveys.admin.forms import (
    OptionFormSet,
    QuestionAdminForm,
    ScaleLabelFormSet,
    SectionAdminForm,
)
from surveys.admin.resources import (
    CHOICE_TYPES,
    SCALED_TYPES,
    OptionResource,
    QuestionResource,
    TextCSV,
    TextXLSX,
)
from surveys.admin.structure import StructureAdmin, StructureInline, TextChangeAdmin
from surveys.models import (
    Option,
    Question,
    Response,
    Row,
    ScaleLabel,
    Section,
    Survey,
    TextChange,
)

COMPACT_TEXT = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 48})}}


def _count(model: type[models.Model], field: str) -> Coalesce:
    """A correlated COUNT per survey: no join fan-out between questions and responses."""
    counted = (
        model.objects.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


class SectionInline(StructureInline, admin.TabularInline):
    model = Section
    fields = ("position", "code", "title_kk", "title_ru")
    extra = 0
    show_change_link = True


class QuestionInline(StructureInline, admin.TabularInline):
    """The survey's questions at a glance; texts and settings are edited on the question page."""

    model = Question
    fields = ("section", "position", "code", "type", "required")
    extra = 0
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Question]:
        return super().get_queryset(request).select_related("section")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A question needs its texts in both languages: it is added on its own page.
        return False

    def get_formset(self, request: HttpRequest, obj: Survey | None = None, **kwargs: Any):
        kwargs["formfield_callback"] = partial(
            self.formfield_for_dbfield, request=request, survey=obj
        )
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        survey = kwargs.pop("survey", None)
        if db_field.name == "section":
            kwargs["queryset"] = Section.objects.filter(survey=survey)
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "section" and field is not None:
            field.label_from_instance = lambda section: section.code
            # Read the sections once for the whole formset, not once per question row.
            field.choices = list(field.choices)
            field.widget.can_add_related = field.widget.can_change_related = False
            field.widget.can_view_related = False
        return field


@admin.register(Survey)
class SurveyAdmin(MicrodataGrantsAdmin, SurveyScopedAdmin, StructureAdmin, admin.ModelAdmin):
    survey_path = "pk"
    list_display = ("slug", "titles", "status", "period", "question_count", "response_count")
    list_filter = ("status", "default_language")
    search_fields = ("slug", "title_kk", "title_ru")
    readonly_fields = ("created_at", "updated_at", "add_question")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "slug",
                    ("status", "default_language"),
                    ("access", "anonymous"),
                    ("owner", "min_cell_size"),
                    "add_question",
                )
            },
        ),
        (_("Texts"), {"fields": (("title_kk", "title_ru"), ("intro_kk", "intro_ru"))}),
        (_("Dates"), {"fields": (("opens_at", "closes_at"), ("created_at", "updated_at"))}),
    )
    formfield_overrides = COMPACT_TEXT
    # Shares before grants: a grant needs the share, and the formsets are saved in this order.
    inlines = (SectionInline, QuestionInline, SurveyShareInline, MicrodataGrantInline)

    def get_readonly_fields(self, request: HttpRequest, obj: Survey | None = None):
        # Only a superuser hands a survey to someone else; a researcher's new survey is theirs.
        extra = () if request.user.is_superuser else ("owner",)
        return (*self.readonly_fields, *extra)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Survey]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                question_count=_count(Question, "survey"),
                response_count=_count(Response, "survey"),
            )
        )

    @admin.display(description=_("title"), ordering="title_kk")
    def titles(self, obj: Survey) -> str:
        return format_html(
            '<span lang="kk">{}</span><br><span lang="ru">{}</span>', obj.title_kk, obj.title_ru
        )

    @admin.display(description=_("open period"), ordering="opens_at")
    def period(self, obj: Survey) -> str:
        return " – ".join(
            date_format(localtime(moment), "SHORT_DATE_FORMAT") if moment else "…"
            for moment in (obj.opens_at, obj.closes_at)
        )

    @admin.display(description=_("new question"))
    def add_question(self, obj: Survey) -> str:
        # The questions inline lists and reorders; a question is written on its own page.
        if not obj.pk:
            return _("Save the survey and add a section first.")
        url = reverse("admin:surveys_question_add")
        return format_html('<a href="{}?survey={}">{}</a>', url, obj.pk, _("Add a question"))

    @admin.display(description=_("questions"), ordering="question_count")
    def question_count(self, obj: Survey) -> int:
        return obj.question_count

    @admin.display(description=_("responses"), ordering="response_count")
    def response_count(self, obj: Survey) -> int:
        return obj.response_count


@admin.register(Section)
class SectionAdmin(SurveyScopedAdmin, StructureAdmin, admin.ModelAdmin):
    form = SectionAdminForm
    list_display = ("code", "survey", "position", "title_kk", "title_ru")
    list_filter = (("survey", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("survey",)
    search_fields = ("code", "title_kk", "title_ru")
    fields = (
        "survey",
        ("position", "code"),
        ("title_kk", "title_ru"),
        ("description_kk", "description_ru"),
        "show_if_options",
    )
    filter_horizontal = ("show_if_options",)
    formfield_overrides = COMPACT_TEXT

    def get_readonly_fields(self, request: HttpRequest, obj: Section | None = None):
        return ("survey",) if obj else ()


class OptionInline(StructureInline, admin.TabularInline):
    model = Option
    formset = OptionFormSet
    fields = ("position", "code", "label_kk", "label_ru", "is_other", "is_exclusive")
    extra = 0


class RowInline(StructureInline, admin.TabularInline):
    model = Row
    fields = ("position", "code", "label_kk", "label_ru")
    extra = 0


class ScaleLabelInline(StructureInline, admin.TabularInline):
    model = ScaleLabel
    formset = ScaleLabelFormSet
    fields = ("value", "label_kk", "label_ru")
    extra = 0


class ImportExportPermissions:
    """Importing writes rows, so it needs add and change; exporting needs view.

    Exports read the admin's (scoped) queryset; imports use `import_resource_classes`, whose rows
    may name only the surveys the user may edit.
    """

    # Researchers' labels may start like a formula: exported cells stay text (admin/resources.py).
    import_formats = (TextCSV, XLSX)
    export_formats = (TextCSV, TextXLSX)
    # Type and size checked before import-export reads a byte (accounts.uploads).
    import_form_class = CheckedImportForm
    import_resource_classes: tuple[type, ...] = ()

    def get_import_resource_classes(self, request: HttpRequest) -> tuple[type, ...]:
        return self.import_resource_classes

    def has_import_permission(self, request: HttpRequest) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)


class QuestionImport(SurveyScopedImport, QuestionResource):
    pass


class OptionImport(SurveyScopedImport, OptionResource):
    pass


@admin.register(Question)
class QuestionAdmin(
    SurveyScopedAdmin, StructureAdmin, ImportExportPermissions, ImportExportModelAdmin
):
    form = QuestionAdminForm
    resource_classes = (QuestionResource,)
    import_resource_classes = (QuestionImport,)
    list_display = ("code", "survey", "section_code", "position", "type", "required")
    list_filter = (("survey", admin.RelatedOnlyFieldListFilter), "type", "required")
    list_select_related = ("survey", "section")
    search_fields = ("code", "text_kk", "text_ru")
    filter_horizontal = ("show_if_options",)
    formfield_overrides = COMPACT_TEXT
    condition_fieldset = (
        _("Display condition"),
        {
            "fields": ("show_if_options",),
            "description": _(
                "Shown only if the answer to one earlier question is one of these options. "
                "Leave empty to always show the question."
            ),
        },
    )
    settings_groups = (
        (_("Choice settings"), CHOICE_TYPES, ("widget", ("min_choices", "max_choices"))),
        (_("Scale settings"), SCALED_TYPES, (("scale_min", "scale_max"), "scale_na")),
        (_("Number settings"), (Question.Type.NUMBER,), (("number_min", "number_max"),)),
        (
            _("Decimal settings"),
            (Question.Type.DECIMAL,),
            ("decimals", ("decimal_min", "decimal_max")),
        ),
    )

    @admin.display(description=_("section"), ordering="section__position")
    def section_code(self, obj: Question) -> str:
        return obj.section.code

    def get_fieldsets(self, request: HttpRequest, obj: Question | None = None):
        fieldsets: list[tuple[Any, dict[str, Any]]] = [
            (None, {"fields": ("survey", "section", ("position", "code"), ("type", "required"))}),
            (_("Texts"), {"fields": (("text_kk", "text_ru"), ("help_kk", "help_ru"))}),
        ]
        for title, types, fields in self.settings_groups:
            # Settings of other types stay available but folded away.
            folded = obj is not None and obj.type not in types
            fieldsets.append(
                (title, {"fields": fields, "classes": ("collapse",) if folded else ()})
            )
        return [*fieldsets, self.condition_fieldset]

    def get_readonly_fields(self, request: HttpRequest, obj: Question | None = None):
        return ("survey",) if obj else ()

    def get_inlines(self, request: HttpRequest, obj: Question | None) -> list[type]:
        if obj is None:
            return [OptionInline, RowInline, ScaleLabelInline]
        inlines: list[type] = []
        if obj.type in CHOICE_TYPES:
            inlines.append(OptionInline)
        if obj.type == Question.Type.MATRIX:
            inlines.append(RowInline)
        if obj.type in SCALED_TYPES:
            inlines.append(ScaleLabelInline)
        return inlines


@admin.register(Option)
class OptionAdmin(
    SurveyScopedAdmin, StructureAdmin, ImportExportPermissions, ImportExportModelAdmin
):
    survey_path = "question__survey"
    resource_classes = (OptionResource,)
    import_resource_classes = (OptionImport,)
    list_display = (
        "code",
        "question_code",
        "survey_slug",
        "position",
        "label_kk",
        "label_ru",
        "is_other",
        "is_exclusive",
    )
    list_filter = (("question__survey", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("question__survey",)
    search_fields = ("code", "label_kk", "label_ru", "question__code")
    # Not a raw id: its label is looked up unscoped, so `?question=<id>` on the add page named
    # any survey's question. The autocomplete reads the (scoped) question admin's queryset.
    autocomplete_fields = ("question",)

    def get_readonly_fields(self, request: HttpRequest, obj: Option | None = None):
        # The builder never moves an option to another question: its answers would follow it.
        return ("question",) if obj else ()

    @admin.display(description=_("question"), ordering="question__code")
    def question_code(self, obj: Option) -> str:
        return obj.question.code

    @admin.display(description=_("survey"), ordering="question__survey__slug")
    def survey_slug(self, obj: Option) -> str:
        return obj.question.survey.slug


# The record of text changes is read-only, for superusers.
admin.site.register(TextChange, TextChangeAdmin)

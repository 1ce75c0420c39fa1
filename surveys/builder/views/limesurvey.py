"""The LimeSurvey import page of the builder. Thin: the file's name is checked here, its size and
everything else by surveys.formats.limesurvey.convert."""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from surveys.builder.access import builder_required
from surveys.formats.limesurvey.convert import limesurvey_import
from surveys.formats.limesurvey.problems import LimeSurveyError
from surveys.models import Survey


class LimeSurveyUploadForm(forms.Form):
    file = forms.FileField(label=_("LimeSurvey survey structure (.lss)"))
    slug = forms.SlugField(
        label=_("Slug of the new survey"),
        required=False,
        max_length=Survey._meta.get_field("slug").max_length,
        help_text=_("Leave empty to use the file name."),
    )
    kk = forms.CharField(
        label=_("Language of the file for the Kazakh texts"),
        required=False,
        max_length=20,
        # Offers the file's languages once it has been read (the page's datalist).
        widget=forms.TextInput(attrs={"list": "lss-language-list"}),
        help_text=_("A LimeSurvey language code such as kk or en; empty: chosen by its name."),
    )
    ru = forms.CharField(
        label=_("Language of the file for the Russian texts"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"list": "lss-language-list"}),
        help_text=_("A LimeSurvey language code such as ru or en; empty: chosen by its name."),
    )
    partial = forms.BooleanField(
        label=_("Import what is supported and leave out the rest"),
        required=False,
        help_text=_("Each question left out is listed after the import."),
    )

    def clean_file(self) -> UploadedFile:
        file = self.cleaned_data["file"]
        if PurePath(file.name or "").suffix.lower() != ".lss":
            raise ValidationError(
                _("Only a LimeSurvey survey structure file (.lss) can be imported here.")
            )
        # The size is bounded by the service, before the XML parser reads a byte.
        return file


def _edit_url(survey: Survey) -> str:
    try:
        return reverse("builder:edit", args=[survey.slug])
    except NoReverseMatch:
        return reverse("builder:list")


@builder_required
@require_http_methods(["GET", "POST"])
def limesurvey_upload(request: HttpRequest) -> HttpResponse:
    form = LimeSurveyUploadForm(request.POST or None, request.FILES or None)
    context: dict = {"form": form, "problems": [], "report": None, "languages": []}
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                survey, report = limesurvey_import(
                    file=data["file"],
                    user=request.user,
                    slug=data["slug"] or None,
                    kk=data["kk"] or None,
                    ru=data["ru"] or None,
                    partial=data["partial"],
                )
            except LimeSurveyError as error:
                context["problems"] = error.problems
                context["languages"] = error.languages
            else:
                status = 200
                context.update(survey=survey, report=report, edit_url=_edit_url(survey))
    return render(request, "limesurvey/import.html", context, status=status)

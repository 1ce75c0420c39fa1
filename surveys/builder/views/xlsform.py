"""The XLSForm pages of the builder: upload a workbook, download a survey as one. Thin: the
upload is checked by accounts.uploads, everything else by surveys.formats.xlsform.convert."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.uploads import DEFAULT_MAX_BYTES, upload_check
from surveys.builder.access import builder_required, builder_survey_get
from surveys.formats.xlsform.convert import XLSFormError, xlsform_export, xlsform_import
from surveys.models import Survey

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class XLSFormUploadForm(forms.Form):
    file = forms.FileField(label=_("XLSForm workbook (.xlsx)"))
    slug = forms.SlugField(
        label=_("Slug of the new survey"),
        required=False,
        max_length=Survey._meta.get_field("slug").max_length,
        help_text=_("Leave empty to use the form_id of the settings sheet."),
    )

    def clean_file(self) -> UploadedFile:
        file = self.cleaned_data["file"]
        max_bytes = getattr(settings, "UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES)
        upload_check(file=file, allowed={"xlsx"}, max_bytes=max_bytes)
        return file


def _edit_url(survey: Survey) -> str:
    # The builder's edit page; its list if that page's name ever changes.
    try:
        return reverse("builder:edit", args=[survey.slug])
    except NoReverseMatch:
        return reverse("builder:list")


@builder_required
@require_http_methods(["GET", "POST"])
def xlsform_upload(request: HttpRequest) -> HttpResponse:
    form = XLSFormUploadForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            survey = xlsform_import(
                file=form.cleaned_data["file"],
                user=request.user,
                slug=form.cleaned_data["slug"] or None,
            )
        except XLSFormError as error:
            problems = error.problems
        else:
            return redirect(_edit_url(survey))
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "problems": problems}
    return render(request, "xlsform/import.html", context, status=status)


@builder_required
@require_GET
def xlsform_download(request: HttpRequest, slug: str) -> HttpResponse:
    survey = builder_survey_get(request=request, slug=slug)
    response = HttpResponse(xlsform_export(survey=survey), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{survey.slug}.xlsx"'
    return response

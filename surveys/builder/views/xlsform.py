"""The XLSForm pages of the builder: upload a workbook, download a survey as one. Thin: the
upload is checked by accounts.uploads, the file kept between steps by surveys.builder.stash,
everything else done by surveys.formats.xlsform.convert.

The upload is one step when the workbook's languages map to Kazakh and Russian by themselves;
otherwise a second step shows its languages (with how many texts each has) to map, and the file
is kept server-side for it rather than asked for again.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.uploads import DEFAULT_MAX_BYTES, upload_check
from surveys.builder.access import builder_required, builder_survey_get
from surveys.builder.stash import upload_stash, upload_stash_drop, upload_stashed_get
from surveys.formats.languages import PLAIN
from surveys.formats.xlsform.convert import (
    XLSFormError,
    XLSFormImport,
    XLSFormLanguages,
    xlsform_export,
    xlsform_import,
    xlsform_languages_get,
)
from surveys.formats.xlsform.texts import PLAIN_OPTION, language_label
from surveys.models import Survey

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORT_KEY = "xlsform_import_report"
PARTIAL_LABEL = _("Import what is supported and leave out the rest (as a draft, with a report)")


class XLSFormUploadForm(forms.Form):
    file = forms.FileField(label=_("XLSForm workbook (.xlsx)"))
    slug = forms.SlugField(
        label=_("Slug of the new survey"),
        required=False,
        max_length=Survey._meta.get_field("slug").max_length,
        help_text=_("Leave empty to use the form_id of the settings sheet."),
    )
    partial = forms.BooleanField(label=PARTIAL_LABEL, required=False)

    def clean_file(self) -> UploadedFile:
        file = self.cleaned_data["file"]
        max_bytes = getattr(settings, "UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES)
        upload_check(file=file, allowed={"xlsx"}, max_bytes=max_bytes)
        return file


class XLSFormLanguagesForm(forms.Form):
    """The second step: which of the workbook's languages are the Kazakh and the Russian texts."""

    token = forms.CharField(widget=forms.HiddenInput)
    name = forms.CharField(widget=forms.HiddenInput, required=False)
    slug = forms.SlugField(widget=forms.HiddenInput, required=False)
    kk = forms.ChoiceField(label=_("Kazakh texts from"), required=False)
    ru = forms.ChoiceField(label=_("Russian texts from"), required=False)
    partial = forms.BooleanField(label=PARTIAL_LABEL, required=False)

    def __init__(self, *args: object, languages: XLSFormLanguages, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("none"))] + [
            (_option(name, languages), f"{language_label(name)} ({count})")
            for name, count in languages.counts.items()
        ]
        for code in ("kk", "ru"):
            self.fields[code].choices = choices
            if (name := languages.mapping.get(code)) is not None:
                self.fields[code].initial = _option(name, languages)

    def clean(self) -> dict[str, object]:
        data = super().clean()
        if data.get("kk") and data.get("kk") == data.get("ru"):
            raise forms.ValidationError(_("Choose different languages for Kazakh and Russian."))
        return data


def _option(name: str, languages: XLSFormLanguages) -> str:
    return PLAIN_OPTION if name == PLAIN or name == languages.plain else name


def _complete(languages: XLSFormLanguages) -> bool:
    """Every language of the file mapped, and both kk and ru given: nothing to ask."""
    mapped = {name for name in languages.mapping.values() if name is not None}
    return None not in languages.mapping.values() and mapped == set(languages.counts)


def _edit_url(survey: Survey) -> str:
    # The builder's edit page; its list if that page's name ever changes.
    try:
        return reverse("builder:edit", args=[survey.slug])
    except NoReverseMatch:
        return reverse("builder:list")


def _done(request: HttpRequest, result: XLSFormImport) -> HttpResponse:
    """To the builder; through the import's report when there is something to say."""
    survey = result.survey
    if not (result.warnings or result.left_out):
        return redirect(_edit_url(survey))
    # The last import's report stays in the session, to come back to while editing the draft.
    request.session[REPORT_KEY] = {
        "slug": survey.slug,
        "draft": result.draft,
        "warnings": [[p.sheet, p.row, p.message] for p in result.warnings],
        "left_out": [[p.sheet, p.row, p.message] for p in result.left_out],
    }
    return redirect("xlsform:report", slug=survey.slug)


@builder_required
@require_http_methods(["GET", "POST"])
def xlsform_upload(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and "token" in request.POST:
        return _languages_step(request)
    form = XLSFormUploadForm(request.POST or None, request.FILES or None)
    problems: list = []
    if request.method == "POST" and form.is_valid():
        file, slug = form.cleaned_data["file"], form.cleaned_data["slug"] or None
        partial = form.cleaned_data["partial"]
        try:
            languages = xlsform_languages_get(file=file)
            if not _complete(languages):
                file.seek(0)
                token = upload_stash(user_id=request.user.pk, content=file.read())
                initial = {"token": token, "name": file.name, "slug": slug, "partial": partial}
                step = XLSFormLanguagesForm(initial=initial, languages=languages)
                return _languages_page(request, step, languages, [])
            file.seek(0)
            result = xlsform_import(file=file, user=request.user, slug=slug, partial=partial)
        except XLSFormError as error:
            problems = error.problems
        else:
            return _done(request, result)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "problems": problems}
    return render(request, "xlsform/import.html", context, status=status)


def _languages_step(request: HttpRequest) -> HttpResponse:
    token = str(request.POST.get("token") or "")
    content = upload_stashed_get(user_id=request.user.pk, token=token)
    if content is None:
        context = {"form": XLSFormUploadForm(), "expired": True}
        return render(request, "xlsform/import.html", context, status=400)
    name = str(request.POST.get("name") or "form.xlsx")
    languages = xlsform_languages_get(file=ContentFile(content, name=name))
    step = XLSFormLanguagesForm(request.POST, languages=languages)
    problems: list = []
    if step.is_valid():
        chosen = {code: step.cleaned_data[code] or "" for code in ("kk", "ru")}
        try:
            result = xlsform_import(
                file=ContentFile(content, name=name),
                user=request.user,
                slug=step.cleaned_data["slug"] or None,
                languages=chosen,
                partial=step.cleaned_data["partial"],
            )
        except XLSFormError as error:
            problems = error.problems
        else:
            upload_stash_drop(user_id=request.user.pk, token=token)
            return _done(request, result)
    return _languages_page(request, step, languages, problems, status=400)


def _languages_page(
    request: HttpRequest,
    step: XLSFormLanguagesForm,
    languages: XLSFormLanguages,
    problems: list,
    status: int = 200,
) -> HttpResponse:
    found = [(language_label(name), count) for name, count in languages.counts.items()]
    context = {"step": step, "languages": found, "problems": problems}
    return render(request, "xlsform/import.html", context, status=status)


@builder_required
@require_GET
def xlsform_report(request: HttpRequest, slug: str) -> HttpResponse:
    """The report of the session's last import: what was left out, what to complete."""
    survey = builder_survey_get(request=request, slug=slug)
    report = request.session.get(REPORT_KEY)
    if not report or report.get("slug") != survey.slug:
        raise Http404
    context = {"survey": survey, "report": report, "edit_url": _edit_url(survey)}
    return render(request, "xlsform/report.html", context)


@builder_required
@require_GET
def xlsform_download(request: HttpRequest, slug: str) -> HttpResponse:
    survey = builder_survey_get(request=request, slug=slug)
    response = HttpResponse(xlsform_export(survey=survey), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{survey.slug}.xlsx"'
    return response

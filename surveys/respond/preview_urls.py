"""The respondent's pages as a preview, in the language named in the address (kk or ru)."""

from django.urls import path, register_converter

from surveys.respond import preview_views


class LanguageConverter:
    regex = "kk|ru"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(LanguageConverter, "survey_lang")

app_name = "preview"

urlpatterns = [
    path("<slug:slug>/preview/<survey_lang:lang>/", preview_views.start, name="start"),
    path("<slug:slug>/preview/<survey_lang:lang>/<int:number>/", preview_views.page, name="page"),
    path("<slug:slug>/preview/<survey_lang:lang>/done/", preview_views.done, name="done"),
]

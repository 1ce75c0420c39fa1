"""XLSForm routes of the builder (under /build/, before the builder's own `<slug>/`)."""

from django.urls import path

from surveys.builder.views import xlsform as xlsform_views

app_name = "xlsform"

urlpatterns = [
    path("import/xlsform/", xlsform_views.xlsform_upload, name="import"),
    path("import/xlsform/report/<slug:slug>/", xlsform_views.xlsform_report, name="report"),
    path("<slug:slug>/xlsform.xlsx", xlsform_views.xlsform_download, name="export"),
]

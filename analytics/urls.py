from django.urls import path

from . import views
from .weighting import views as weighting_views

app_name = "analytics"

urlpatterns = [
    path("", views.results_index, name="index"),
    path("<slug:slug>/", views.results, name="results"),
    path("<slug:slug>/crosstab/", views.crosstab, name="crosstab"),
    path("<slug:slug>/tables.<str:fmt>", views.tables_download, name="tables"),
    path("<slug:slug>/exports/", views.export_start, name="export_start"),
    path("<slug:slug>/report/", views.report_start, name="report_start"),
    path("<slug:slug>/exports/<int:job_id>/", views.export_status, name="export"),
    path(
        "<slug:slug>/exports/<int:job_id>/download/", views.export_download, name="export_download"
    ),
    path("<slug:slug>/weighting/", weighting_views.weighting_list, name="weighting"),
    path("<slug:slug>/weighting/new/", weighting_views.weighting_edit, name="weighting_new"),
    path(
        "<slug:slug>/weighting/<slug:name>/", weighting_views.weighting_edit, name="weighting_edit"
    ),
    path(
        "<slug:slug>/weighting/<slug:name>/delete/",
        weighting_views.weighting_delete,
        name="weighting_delete",
    ),
]

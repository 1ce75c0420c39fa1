"""/api/v1/: the REST endpoints, the OData feed, the OpenAPI schema and its documentation pages."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .odata import views as odata
from .views import codebook, exports, responses, results, surveys

app_name = "api"

urlpatterns = [
    path("surveys/", surveys.SurveyList.as_view(), name="surveys"),
    path("surveys/<slug:slug>/", surveys.SurveyDetail.as_view(), name="survey"),
    path("surveys/<slug:slug>/codebook/", codebook.Codebook.as_view(), name="codebook"),
    path(
        "surveys/<slug:slug>/codebook.<str:fmt>",
        codebook.Codebook.as_view(),
        name="codebook-file",
    ),
    path("surveys/<slug:slug>/responses/", responses.Responses.as_view(), name="responses"),
    path("surveys/<slug:slug>/results/", results.Results.as_view(), name="results"),
    path("surveys/<slug:slug>/exports/", exports.ExportList.as_view(), name="exports"),
    path(
        "surveys/<slug:slug>/exports/<int:job_id>/", exports.ExportDetail.as_view(), name="export"
    ),
    path(
        "surveys/<slug:slug>/exports/<int:job_id>/file",
        exports.ExportFile.as_view(),
        name="export-file",
    ),
    path("odata/<slug:slug>.svc", odata.ServiceDocument.as_view(), name="odata-service"),
    path("odata/<slug:slug>.svc/", odata.ServiceDocument.as_view(schema=None)),  # same, unlisted
    path("odata/<slug:slug>.svc/$metadata", odata.Metadata.as_view(), name="odata-metadata"),
    path("odata/<slug:slug>.svc/Responses", odata.ResponseSet.as_view(), name="odata-responses"),
    path("schema/", SpectacularAPIView.as_view(api_version="1"), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: the CSP allows no inline
    # script. (ReDoc is left out: its page loads fonts from Google's CDN.)
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]

"""LimeSurvey routes of the builder (under /build/, before the builder's own `<slug>/`)."""

from django.urls import path

from surveys.builder.views import limesurvey as limesurvey_views

app_name = "limesurvey"

urlpatterns = [
    path("import/limesurvey/", limesurvey_views.limesurvey_upload, name="import"),
]

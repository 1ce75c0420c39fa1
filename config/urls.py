from django.contrib import admin
from django.urls import include, path

from surveys.respond.views import accessibility, home

urlpatterns = [
    path("", home, name="home"),
    path("accessibility/", accessibility, name="accessibility"),
    # Unauthenticated probes for load balancers and orchestrators (health/views.py).
    path("health/", include("health.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("s/", include("surveys.respond.urls")),
    # Order matters: XLSForm and preview routes are more specific than the builder's.
    path("build/", include("surveys.builder.xlsform_urls")),
    path("build/", include("surveys.builder.limesurvey_urls")),
    path("build/", include("surveys.respond.preview_urls")),
    path("build/", include("surveys.builder.urls")),
    path("results/", include("analytics.urls")),
    path("results/", include("analytics.coding.urls")),
    path("invitations/", include("accounts.urls_invitations")),
    path("api/v1/", include("api.urls")),
]

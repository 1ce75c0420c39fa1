"""Sign-in pages: Django's own auth views, under /accounts/, with the templates in
templates/registration/. The URL names stay un-namespaced (`login`, `password_reset_confirm`, ...)
because the auth views reverse them by those bare names."""

from django.urls import include, path

urlpatterns = [
    path("", include("django.contrib.auth.urls")),
]

"""Sign-in pages: Django's own auth views, under /accounts/, with the templates in
templates/registration/. The URL names stay un-namespaced (`login`, `password_reset_confirm`, ...)
because the auth views reverse them by those bare names. The API token pages sit beside them."""

from django.urls import include, path

from . import views_tokens

urlpatterns = [
    path("tokens/", views_tokens.tokens, name="api_tokens"),
    path("tokens/<int:token_id>/revoke/", views_tokens.revoke, name="api_token_revoke"),
    path("", include("django.contrib.auth.urls")),
]

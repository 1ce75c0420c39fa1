"""Included at /invitations/ by config/urls.py."""

from django.urls import path

from . import views_invitations

app_name = "invitations"

urlpatterns = [
    path("<slug:slug>/rates/", views_invitations.rates, name="rates"),
]

"""Included at /invitations/ by config/urls.py."""

from django.urls import path

from . import views_invitations

app_name = "invitations"

urlpatterns = [
    path("<slug:slug>/", views_invitations.overview, name="overview"),
    path("<slug:slug>/rates/", views_invitations.rates, name="rates"),
    path("<slug:slug>/links.csv", views_invitations.links, name="links"),
]

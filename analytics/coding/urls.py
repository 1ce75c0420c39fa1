from django.urls import path

from . import views

app_name = "coding"

urlpatterns = [
    path("<slug:slug>/coding/", views.coding_index, name="index"),
    path("<slug:slug>/coding/<slug:question>/", views.coding_question, name="question"),
    path("<slug:slug>/coding/<slug:question>/codes/", views.code_create, name="code_create"),
    path(
        "<slug:slug>/coding/<slug:question>/codes/<int:code_id>/delete/",
        views.code_delete,
        name="code_delete",
    ),
]

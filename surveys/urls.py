from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("<slug:slug>/", views.welcome, name="welcome"),
    path("<slug:slug>/start/", views.start, name="start"),
    path("<slug:slug>/i/<str:token>/", views.invitation, name="invitation"),
    path("<slug:slug>/r/<uuid:key>/", views.resume, name="resume"),
    path("<slug:slug>/r/<uuid:key>/<int:number>/", views.page, name="page"),
    path("<slug:slug>/r/<uuid:key>/thanks/", views.thanks, name="thanks"),
]

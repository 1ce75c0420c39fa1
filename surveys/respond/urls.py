from django.urls import path

from surveys.respond import views

app_name = "surveys"

urlpatterns = [
    path("<slug:slug>/", views.welcome, name="welcome"),
    path("<slug:slug>/start/", views.start, name="start"),
    # No key: a completed response keeps none. Shown to the session that completed it.
    path("<slug:slug>/thanks/", views.thanks, name="thanks"),
    # Tokens are URL-safe (token_new): anything else, a NUL included, is a 404 before any query.
    path("<slug:slug>/i/<slug:token>/", views.invitation, name="invitation"),
    path("<slug:slug>/r/<uuid:key>/", views.resume, name="resume"),
    path("<slug:slug>/r/<uuid:key>/<int:number>/", views.page, name="page"),
    # The old thank-you address, still answered (one name: reverse with a key still finds it).
    path("<slug:slug>/r/<uuid:key>/thanks/", views.thanks_keyed, name="thanks"),
]

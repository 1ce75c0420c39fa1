from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import Survey


def home(request: HttpRequest) -> HttpResponse:
    surveys = Survey.objects.filter(status=Survey.Status.OPEN).order_by("slug")
    return render(request, "home.html", {"surveys": surveys})

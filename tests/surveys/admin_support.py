"""Shared by the admin and resource tests: signed-in staff clients and admin form data."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation

from accounts.roles import roles_ensure
from surveys.models import Question, Survey

VALID_ANSWERS = {
    "level": "local",
    "years": "5",
    "channels.meeting": "3",
    "channels.phone": "0",
    "barriers": ["language", "gender"],
    "general": "4",
}


def staff_client(username: str, group: str | None = None) -> Client:
    """A signed-in staff user whose admin is in Russian unless a test switches it."""
    groups = roles_ensure()
    user = get_user_model().objects.create_user(username, password="pw-123456", is_staff=True)
    if group:
        user.groups.add(groups[group])
    client = Client()
    client.force_login(user)
    return in_language(client, "ru")


def ru(message: str, **params: Any) -> str:
    """A message as the Russian admin shows it, whether or not it is translated yet."""
    with translation.override("ru"):
        text = str(translation.gettext(message))
    return text % params if params else text


def in_language(client: Client, language: str) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def form_data(response: Any) -> dict[str, Any]:
    """The POST a browser would send back for an admin change page, unchanged."""
    forms_ = [response.context["adminform"].form]
    data: dict[str, Any] = {}
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(k): v for k, v in management.initial.items()})
        forms_.extend(inline.formset.forms)
    for form in forms_:
        for name, field in form.fields.items():
            value, key = form[name].value(), form.add_prefix(name)
            if isinstance(field, forms.BooleanField):
                if value:
                    data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            elif value is not None:
                data[key] = value
    return data


def question_of(survey: Survey, code: str) -> Question:
    return survey.questions.get(code=code)

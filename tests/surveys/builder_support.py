"""Shared by the builder view tests: signed-in clients and surveys built through the services."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils.html import escape

from accounts.roles import roles_ensure
from surveys.builder import services as builder
from surveys.models import Survey


def shows(response: Any, text: str) -> bool:
    """Whether the page shows `text`, as the template escapes it."""
    return str(escape(text)) in response.content.decode()


def client_for(username: str, group: str | None = None, **extra: Any) -> Client:
    """A signed-in client, with the interface in Russian (as researchers in the study used it)."""
    groups = roles_ensure()
    user = get_user_model().objects.create_user(username, password="pw-123456", **extra)
    if group:
        user.groups.add(groups[group])
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    client.user = user  # type: ignore[attr-defined]
    return client


def draft_build(user: Any, slug: str = "wave") -> Survey:
    """A draft with one section and one single choice question, complete in both languages."""
    survey = builder.survey_create(
        user=user,
        data={"slug": slug, "title_kk": "Толқын", "title_ru": "Волна", "default_language": "kk"},
    )
    section = builder.section_add(
        survey=survey,
        user=user,
        data={"code": "intro", "title_kk": "Кіріспе", "title_ru": "Введение"},
    )
    question = builder.question_add(
        section=section,
        user=user,
        data={"code": "level", "type": "single", "text_kk": "Деңгей", "text_ru": "Уровень"},
    )
    for code, kk, ru in (("central", "Орталық", "Центральный"), ("local", "Жергілікті", "Местный")):
        builder.option_add(
            question=question, user=user, data={"code": code, "label_kk": kk, "label_ru": ru}
        )
    survey.refresh_from_db()
    return survey

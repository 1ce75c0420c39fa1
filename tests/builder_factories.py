"""Surveys built through the builder's services, as a researcher would build them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from surveys.builder import services as builder
from surveys.models import Question, Survey


def user_make(username: str = "rita") -> Any:
    return get_user_model().objects.create_user(username, password="pw-123456")


def choice_add(question: Question, user: Any, *codes: str, **flags: dict[str, Any]) -> None:
    """Options with bilingual labels made from their codes; `flags` maps a code to its flags."""
    for code in codes:
        data = {"code": code, "label_kk": f"{code} kk", "label_ru": f"{code} ru"}
        builder.option_add(question=question, user=user, data={**data, **flags.get(code, {})})


def wave_build(user: Any, slug: str = "wave") -> Survey:
    """A complete bilingual draft: a single choice, a max-3 multiple with "other" shown only
    for central bodies, a matrix on 1-5 with labels, and a number.

    Sections: `about` (level, years), `work` (barriers, channels).
    """
    survey = builder.survey_create(
        user=user,
        data={"slug": slug, "title_kk": "Толқын", "title_ru": "Волна", "default_language": "kk"},
    )
    about = builder.section_add(
        survey=survey, user=user, data={"code": "about", "title_kk": "Туралы", "title_ru": "О вас"}
    )
    level = builder.question_add(
        section=about,
        user=user,
        data={"code": "level", "type": "single", "text_kk": "Деңгей", "text_ru": "Уровень"},
    )
    choice_add(level, user, "central", "local")
    builder.question_add(
        section=about,
        user=user,
        data={
            "code": "years",
            "type": "number",
            "text_kk": "Өтіл",
            "text_ru": "Стаж",
            "number_min": 0,
            "number_max": 50,
        },
    )
    work = builder.section_add(
        survey=survey, user=user, data={"code": "work", "title_kk": "Жұмыс", "title_ru": "Работа"}
    )
    barriers = builder.question_add(
        section=work,
        user=user,
        data={
            "code": "barriers",
            "type": "multiple",
            "text_kk": "Кедергілер",
            "text_ru": "Барьеры",
            "max_choices": 3,
        },
    )
    choice_add(
        barriers,
        user,
        "language",
        "gender",
        "emotional",
        "none",
        "other",
        none={"is_exclusive": True},
        other={"is_other": True},
    )
    builder.condition_set(
        target=barriers, user=user, question_code="level", option_codes=["central"]
    )
    channels = builder.question_add(
        section=work,
        user=user,
        data={
            "code": "channels",
            "type": "matrix",
            "text_kk": "Арналар",
            "text_ru": "Каналы",
            "scale_min": 1,
            "scale_max": 5,
        },
    )
    for code in ("meeting", "phone"):
        builder.row_add(
            question=channels,
            user=user,
            data={"code": code, "label_kk": f"{code} kk", "label_ru": f"{code} ru"},
        )
    builder.scale_label_set(
        question=channels, user=user, value=1, label_kk="Төмен", label_ru="Низко"
    )
    survey.refresh_from_db()
    return survey

"""Query parameters of the API, checked once here: bad input is a 400 with a code and a message
in the request's language, never a 500 nor a silent default."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, time

from django.conf import settings
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from analytics.selectors import FilterError, Filters, filters_normalize
from surveys.schema import SurveySchema

from .errors import ApiError

LABELS = ("codes", "kk", "ru")


def _bad(code: str, message: str) -> ApiError:
    return ApiError(code=code, message=message, status_code=400)


def language_get(params: Mapping[str, str]) -> str:
    """`language=kk|ru`, else the request's language (Accept-Language), else Kazakh."""
    language = params.get("language") or translation.get_language() or "kk"
    language = language[:2]
    if params.get("language") and language not in ("kk", "ru"):
        raise _bad("invalid_language", _("“language” is kk or ru."))
    return language if language in ("kk", "ru") else "kk"


def filters_get(*, schema: SurveySchema, items: Iterable[str]) -> Filters:
    """`f=region:aktobe&f=gender:female`, the results page's own filter parameter."""
    raw: dict[str, list[str]] = {}
    for item in items:
        code, sep, option = item.partition(":")
        if not sep:
            raise _bad("invalid_filter", _("Write a filter as f=QUESTION:OPTION."))
        raw.setdefault(code, []).append(option)
    return filters_from(schema=schema, raw=raw)


def filters_from(*, schema: SurveySchema, raw: Mapping[str, Iterable[str]]) -> Filters:
    try:
        return filters_normalize(schema=schema, raw=raw)
    except FilterError as error:
        raise _bad("invalid_filter", str(error)) from None


def page_size_get(params: Mapping[str, str]) -> int:
    text = params.get("page_size")
    if not text:
        return settings.API_PAGE_SIZE
    top = settings.API_PAGE_SIZE_MAX
    if not text.isdigit() or not 1 <= int(text) <= top:
        raise _bad(
            "invalid_page_size",
            _("“page_size” is a whole number from 1 to %(max)d.") % {"max": top},
        )
    return int(text)


def moment_get(params: Mapping[str, str], name: str) -> datetime | None:
    """An ISO 8601 date or date and time; without a zone, in the platform's (Asia/Almaty)."""
    text = params.get(name)
    if not text:
        return None
    moment = parse_datetime(text.replace(" ", "+"))  # a "+" left unescaped in a query string
    if moment is None and (day := parse_date(text)) is not None:
        moment = datetime.combine(day, time.min)
    if moment is None:
        raise _bad(
            "invalid_datetime",
            _("“%(name)s” is a date and time in ISO 8601, e.g. 2022-11-09T14:30:00+05:00.")
            % {"name": name},
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def labels_get(params: Mapping[str, str]) -> str:
    labels = params.get("labels") or "codes"
    if labels not in LABELS:
        raise _bad("invalid_labels", _("“labels” is codes, kk or ru."))
    return labels


def fields_get(params: Mapping[str, str], *, columns: list[str]) -> list[str]:
    """`fields=region,channels,barriers.other`: columns by name, a question code standing for
    all of its columns (a matrix's cells, an "other" text); `_id` always comes first."""
    text = params.get("fields")
    if not text:
        return columns
    wanted: set[str] = set()
    unknown: list[str] = []
    for name in (part.strip() for part in text.split(",")):
        if not name:
            continue
        mine = [c for c in columns if c == name or c.split(".")[0] == name]
        if not mine:
            unknown.append(name)
        wanted.update(mine)
    if unknown:
        raise _bad(
            "invalid_fields",
            _("Not columns of this survey: %(names)s. The codebook lists them.")
            % {"names": ", ".join(unknown)},
        )
    return [c for c in columns if c in wanted]

"""The system query options of a request for `Responses`, read and checked once.

Supported: `$filter`, `$select`, `$orderby`, `$top`, `$skip`, `$count`, `$skiptoken` and
`$format=json`. Any other system option (`$expand`, `$search`, `$apply`...) is refused, as OData
asks of a service that does not implement it; options without `$` are custom ones and ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db.models import OrderBy, Q
from django.utils.translation import gettext as _

from ..cursors import SkipToken, SkipTokenInvalid, skiptoken_decode
from ..errors import ApiError
from .filters import filter_parse
from .ordering import orderby_parse
from .properties import EntityProperty

SUPPORTED = ("$filter", "$select", "$orderby", "$top", "$skip", "$count", "$skiptoken", "$format")
_PREFER_PAGE_SIZE = re.compile(r"(?:^|[,;\s])odata\.maxpagesize\s*=\s*(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class QueryOptions:
    given: dict[str, str]  # the system options as sent, for the next link and the audit log
    properties: list[EntityProperty]  # those to return ($select), all when not given
    selected: bool = False
    filter: Q = field(default_factory=Q)
    orderby: list[OrderBy] = field(default_factory=list)  # empty: the keyset order
    top: int | None = None
    skip: int = 0
    count: bool = False
    skiptoken: SkipToken | None = None


def _invalid(message: str) -> ApiError:
    return ApiError(code="odata_option_invalid", message=message, status_code=400)


def options_parse(
    *, params: Mapping[str, str], properties: list[EntityProperty], scope: str
) -> QueryOptions:
    """The options in `params`; `scope` is the survey's slug, which a skip token is bound to."""
    given = {name: str(params[name]) for name in params if name.startswith("$")}
    for name in given:
        if name not in SUPPORTED:
            raise _invalid(
                _("The query option %(name)s is not supported; these are: %(names)s.")
                % {"name": name, "names": ", ".join(SUPPORTED)}
            )
    if given.get("$format", "json").lower() not in ("json", "application/json"):
        raise _invalid(_("Only $format=json is available."))
    by_name = {p.name: p for p in properties}
    chosen = _select(given.get("$select", "").strip(), properties, by_name)
    token = None
    if given.get("$skiptoken"):
        try:
            token = skiptoken_decode(text=given["$skiptoken"], scope=scope)
        except SkipTokenInvalid:
            raise ApiError(
                code="odata_skiptoken_invalid",
                message=_("The $skiptoken is not valid: start again from the first page."),
                status_code=400,
            ) from None
    orderby_text = given.get("$orderby", "").strip()
    return QueryOptions(
        given=given,
        properties=chosen or properties,
        selected=bool(chosen),
        filter=filter_parse(text=given.get("$filter", "").strip(), properties=by_name),
        orderby=orderby_parse(text=orderby_text, properties=by_name) if orderby_text else [],
        top=_whole(given, "$top"),
        skip=_whole(given, "$skip") or 0,
        count=_boolean(given, "$count"),
        skiptoken=token,
    )


def _select(
    text: str, properties: list[EntityProperty], by_name: dict[str, EntityProperty]
) -> list[EntityProperty]:
    if not text or text == "*":
        return []
    names = [name.strip() for name in text.split(",")]
    for name in names:
        if name not in by_name:
            raise _invalid(_("There is no property %(name)s.") % {"name": name})
    wanted = set(names)
    return [p for p in properties if p.name in wanted]


def _whole(given: Mapping[str, str], name: str) -> int | None:
    text = given.get(name)
    if text is None:
        return None
    if not re.fullmatch(r"[0-9]{1,12}", text.strip()):
        raise _invalid(_("%(name)s must be a whole number, 0 or more.") % {"name": name})
    return int(text)


def _boolean(given: Mapping[str, str], name: str) -> bool:
    text = given.get(name, "false").strip().lower()
    if text not in ("true", "false"):
        raise _invalid(_("%(name)s must be true or false.") % {"name": name})
    return text == "true"


def page_size_preferred(*, prefer: str, largest: int) -> int | None:
    """The page size a `Prefer: odata.maxpagesize=N` header asks for, within 1..largest."""
    match = _PREFER_PAGE_SIZE.search(prefer or "")
    if match is None or len(match.group(1)) > 9:
        return None
    return max(1, min(int(match.group(1)), largest))

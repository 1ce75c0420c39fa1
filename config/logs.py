"""Log output that never holds a secret a respondent or researcher carries in a link or header.

Invitation tokens (/s/<slug>/i/<token>/), resume keys (/s/<slug>/r/<key>/), `token=` and `key=`
query values, Authorization header values and API tokens (snm_...) are replaced by
"[redacted]". Django itself writes request paths ("Not Found: /s/x/i/<token>/" from
django.request), so the message is rewritten after formatting, not only our own calls.
"""

from __future__ import annotations

import logging
import re

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

REDACTED = "[redacted]"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # The path segment after /i/ or /r/ in a respondent's link, whatever prefix the site has.
    (re.compile(r"(/s/[^/\s?#'\"]+/[ir]/)[^/\s?#'\"]+"), rf"\g<1>{REDACTED}"),
    # Any query or form value named like a token or key (token=, api_key=, access_token=).
    (re.compile(r"((?:token|key)=)[^&\s'\"#]+", re.IGNORECASE), rf"\g<1>{REDACTED}"),
    # An Authorization header's credentials (its scheme kept), as text or in a repr of META.
    (
        re.compile(
            r"(authorization['\"]?\s*[:=]\s*['\"]?(?:[A-Za-z]+\s+)?)[^\s'\",}]+",
            re.IGNORECASE,
        ),
        rf"\g<1>{REDACTED}",
    ),
    (re.compile(r"\bsnm_[A-Za-z0-9_\-]+"), f"snm_{REDACTED}"),
)


def log_text_redact(*, text: str) -> str:
    """`text` with every token, key and Authorization value replaced by [redacted]."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactFilter(logging.Filter):
    """Rewrites each record's message (with its args merged in) without secrets.

    On the handler, so that records propagated from every logger, Django's included, pass it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: keep the record, unformatted, but redacted
            message = f"{record.msg} {record.args!r}"
        record.msg = log_text_redact(text=message)
        record.args = None
        return True


class RedactingFormatter(logging.Formatter):
    """Plain text, redacted once more after formatting: tracebacks do not pass the filter."""

    def format(self, record: logging.LogRecord) -> str:
        return log_text_redact(text=super().format(record))


class RedactingJsonFormatter(JsonFormatter):
    """One JSON object a line; extra attributes pass, but never Django's request object."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "request"])
        kwargs.setdefault("json_ensure_ascii", False)  # Kazakh and Russian stay readable
        super().__init__(*args, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        # The replacement holds no quote or backslash: the line stays valid JSON.
        return log_text_redact(text=super().format(record))

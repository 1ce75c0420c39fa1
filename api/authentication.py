"""Who is calling: a personal API token, in a header or as an HTTP Basic password.

`Authorization: Token snm_...` (or `Bearer snm_...`) for scripts; HTTP Basic with any user name and
the token as password for Excel and Power BI, which ask for a user and a password. A token acts as
its user, with that user's access level on each survey (`accounts.permissions`), so the API never
shows more than the pages would. A token that is unknown, revoked or expired, or whose user is
inactive, is refused with one message: the caller learns nothing about which of these it was.
"""

from __future__ import annotations

import base64
import binascii

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from accounts.models import ApiToken
from accounts.tokens import api_token_authenticate

INVALID = _("The API token is not valid: it is unknown, revoked or expired.")


def _checked(text: str) -> tuple[object, ApiToken]:
    token = api_token_authenticate(text=text.strip())
    if token is None:
        raise exceptions.AuthenticationFailed(INVALID)
    return token.user, token


class TokenAuthentication(authentication.BaseAuthentication):
    keywords = ("token", "bearer")

    def authenticate(self, request: Request) -> tuple[object, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        keyword, _sep, text = header.partition(" ")
        if keyword.lower() not in self.keywords:
            return None
        if not text.strip():
            raise exceptions.AuthenticationFailed(INVALID)
        return _checked(text)

    def authenticate_header(self, request: Request) -> str:
        return 'Token realm="api"'


class TokenBasicAuthentication(authentication.BaseAuthentication):
    """HTTP Basic whose password is an API token; never an account's password, which would
    open the API to password guessing outside the sign-in page's lockout."""

    def authenticate(self, request: Request) -> tuple[object, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        keyword, _sep, encoded = header.partition(" ")
        if keyword.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise exceptions.AuthenticationFailed(INVALID) from None
        _user, _sep, password = decoded.partition(":")
        return _checked(password)

    def authenticate_header(self, request: Request) -> str:
        return 'Basic realm="Saualnama", charset="UTF-8"'

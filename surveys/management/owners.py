"""`--owner USERNAME` of the import commands: the user, or a refusal in the command's language."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import CommandError
from django.utils.translation import gettext as _


def command_owner(*, username: str | None) -> AbstractBaseUser | None:
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(_("No user “%(name)s”.") % {"name": username})
    return user

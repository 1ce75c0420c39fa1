"""The form that asks for a new API token: a name and an optional last day.

It only reads the input; whether a token may be made (a name given, a day not past, the number
of active tokens) is `accounts.tokens.api_token_create`'s decision, shown on this form.
"""

from __future__ import annotations

from datetime import datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiTokenForm(forms.Form):
    # Not required here: the service refuses an empty name with its own message, and the
    # browser's `required` only spares the round trip.
    name = forms.CharField(
        label=_("Token name"),
        required=False,
        help_text=_("What the token is for, e.g. “Power BI, regional report”."),
        widget=forms.TextInput(attrs={"maxlength": 100, "required": True, "autocomplete": "off"}),
    )
    expires_on = forms.DateField(
        label=_("Last day of use (optional)"),
        required=False,
        help_text=_("The token stops working at the end of this day. Leave empty for no expiry."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["expires_on"].widget.attrs["min"] = timezone.localdate().isoformat()

    def expires_at(self) -> datetime | None:
        """The end of the chosen day in the site's time zone, or None for no expiry."""
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        return timezone.make_aware(datetime.combine(day, time.max))

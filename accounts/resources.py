"""django-import-export resource for invitation lists (CSV/XLSX), as researchers upload them.

Columns: survey (slug), email, external_id, organisation, region, language. Only `survey` and
`organisation` and one of `email`/`external_id` are needed; missing optional columns are read as
empty. The token is never read from a file: each new invitation draws its own, and a re-import of
the same person (same survey, e-mail and external id) updates the row and keeps its token. Once an
anonymous survey has opened, a re-import may not move a person to another organisation or region
(`invitation_grouping_locked`): the response rates would then tell whether they answered.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from surveys.models import Survey

from .invitations import GROUPING_LOCKED, invitation_grouping_locked
from .models import Invitation
from .permissions import surveys_editable_by
from .uploads import row_characters_check

COLUMNS = ("survey", "email", "external_id", "organisation", "region", "language")
OPTIONAL = ("email", "external_id", "region", "language")


class InvitationResource(resources.ModelResource):
    survey = fields.Field(
        attribute="survey", column_name="survey", widget=ForeignKeyWidget(Survey, field="slug")
    )

    class Meta:
        model = Invitation
        fields = COLUMNS
        import_id_fields = ("survey", "email", "external_id")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._seen: set[tuple[str, str, str]] = set()
        self._surveys: dict[str, Survey] = {}
        self._locked: dict[int, bool] = {}

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        # The admin passes the importing user; rows may name only the surveys they may edit.
        user = kwargs.get("user") or AnonymousUser()
        self._surveys = {s.slug: s for s in surveys_editable_by(user=user)}
        self._seen = set()
        self._locked = {}
        for column in OPTIONAL:
            if column not in (dataset.headers or ()):
                dataset.append_col([""] * len(dataset), header=column)

    def before_import_row(self, row: dict[str, Any], **kwargs: Any) -> None:
        row_characters_check(row)
        for column in COLUMNS:
            row[column] = str(row.get(column) or "").strip()
        row["email"] = row["email"].lower()
        row["language"] = row["language"].lower()
        # A survey the importer may not edit reads like one that does not exist.
        survey = self._surveys.get(row["survey"])
        if survey is None:
            message = _("There is no survey with the slug “%(value)s”.")
            raise ValidationError({"survey": message % {"value": row["survey"]}})
        if not row["language"]:
            row["language"] = survey.default_language
        if not (row["email"] or row["external_id"]):
            raise ValidationError({"email": _("Give an e-mail address or an external id.")})
        for column in ("email", "external_id"):
            if not row[column]:
                continue
            key = (row["survey"], column, row[column])
            if key in self._seen:
                message = _("“%(value)s” appears more than once in this file.")
                raise ValidationError({column: message % {"value": row[column]}})
            self._seen.add(key)

    def import_instance(self, instance: Invitation, row: dict[str, Any], **kwargs: Any) -> None:
        before = (instance.organisation, instance.region) if instance.pk else None
        super().import_instance(instance, row, **kwargs)
        if before is None or before == (instance.organisation, instance.region):
            return
        survey = instance.survey
        if survey.pk not in self._locked:
            self._locked[survey.pk] = invitation_grouping_locked(survey=survey)
        if self._locked[survey.pk]:
            raise ValidationError({"organisation": str(GROUPING_LOCKED)})

"""The accounts app's models, one module per concern (sharing and audit; invitations)."""

from .invitations import Invitation, InvitationUse  # noqa: F401
from .sharing import AuditEvent, SurveyShare  # noqa: F401

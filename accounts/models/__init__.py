"""The accounts app's models, one module per concern (sharing and audit; invitations; tokens)."""

from .invitations import Invitation, InvitationUse, MailJob  # noqa: F401
from .sharing import AuditEvent, MicrodataGrant, SurveyShare  # noqa: F401
from .tokens import ApiToken  # noqa: F401

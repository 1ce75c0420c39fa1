"""The accounts admin: importing its modules registers their pages (Django imports this one).

`scoping` holds the mixins that keep a page inside the user's surveys, `sharing` the shares,
microdata grants and audit log, `invitations` the invitation lists, `tokens` the API tokens; none
imports this package.
"""

from accounts.admin import invitations, sharing, tokens  # noqa: F401

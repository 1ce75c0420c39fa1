"""The accounts app's models, one module per concern (sharing and audit; invitations)."""

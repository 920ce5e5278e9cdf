"""The audit trail of staff, moderator and admin actions."""

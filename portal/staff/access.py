"""Who may see and work on a request. One place, so pages, actions and tests agree.

- staff of the owning department and admins: see everything (reporter's contact details, internal
  notes) and act on it. A request transferred to a department is that department's from then on.
- call-centre agents: see everything (they answer callers about their requests) and add internal
  notes, but never change a request's status, owner, assignee or priority.
- everyone else (other departments' staff, moderators, residents): the public page only.
"""
from __future__ import annotations

from portal.models import ServiceRequest, User
from portal.models.accounts import Role


def may_act(user: User, found: ServiceRequest) -> bool:
    """Change status, notes, assign, priority, transfer, merge."""
    if not user.is_authenticated:
        return False
    return user.role == Role.admin or (user.role == Role.staff and user.department_id == found.department_id)


def may_view(user: User, found: ServiceRequest) -> bool:
    """The staff view with contact details and internal notes."""
    return may_act(user, found) or (user.is_authenticated and user.role == Role.agent)


def may_note(user: User, found: ServiceRequest) -> bool:
    """Internal notes: everyone who may view (agents log what callers tell them)."""
    return may_view(user, found)

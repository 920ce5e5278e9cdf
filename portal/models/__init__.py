"""All tables, one module per feature; imported here so Alembic and callers see one namespace."""
from portal.models.base import utcnow
from portal.models.apikeys import ApiKey
from portal.models.audit import AuditEntry
from portal.models.accounts import Department, PasswordReset, Role, User, UserSession
from portal.models.areas import AddressPoint, Area, RequestArea
from portal.models.catalogue import Datatype, Question, ServiceGroup, ServiceType, Translation
from portal.models.mail import OutboxMail
from portal.models.community import (
    Event, Follow, FollowLevel, Notification, Organisation, OrganisationMember, Post, PostDraft, PostFlag,
    PostRevision, Thread, ThreadRead, ThreadRequestLink, ThreadSupport,
)
from portal.models.staff import Intake, ResponseTemplate, SavedFilter
from portal.models.requests import (
    Channel,
    ClosureReason,
    CoReport,
    IdempotencyKey,
    ReportDraft,
    RequestFollower,
    RequestPhoto,
    RequestUpdate,
    ServiceRequest,
    Status,
    UpdateKind,
)
from portal.models.open311 import Open311Token, Open311UpdateRef

__all__ = [
    "ApiKey", "AuditEntry", "Open311Token", "Open311UpdateRef", "Intake", "ResponseTemplate", "SavedFilter",
    "AddressPoint", "Area", "RequestArea", "Channel", "ClosureReason", "CoReport", "Datatype", "Department", "IdempotencyKey",
    "OutboxMail", "PasswordReset", "Question", "ReportDraft", "RequestFollower", "RequestPhoto",
    "RequestUpdate", "Role", "ServiceGroup", "ServiceRequest", "ServiceType", "Status",
    "Translation", "UpdateKind", "User", "UserSession", "utcnow",
]

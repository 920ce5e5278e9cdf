"""Words for statuses, closure reasons and channels, in the reader's language."""
from flask_babel import lazy_gettext as _l

from portal.models import Channel, ClosureReason, Status

STATUS_LABELS = {
    Status.open: _l("Open"), Status.acknowledged: _l("Acknowledged"),
    Status.in_progress: _l("In progress"), Status.closed: _l("Closed"),
}
REASON_LABELS = {
    ClosureReason.fixed: _l("Fixed"), ClosureReason.duplicate: _l("Duplicate of another request"),
    ClosureReason.not_city: _l("Not the city's responsibility"),
    ClosureReason.could_not_locate: _l("Could not locate"),
    ClosureReason.referred: _l("Referred to another agency"), ClosureReason.no_action: _l("No action needed"),
}
CHANNEL_LABELS = {
    Channel.web: _l("Website"), Channel.api: _l("App"), Channel.phone: _l("Phone"),
    Channel.walk_in: _l("In person"), Channel.social: _l("Social media"), Channel.email: _l("Email"),
}


def init_app(app) -> None:
    from portal.requests.service import format_number
    app.jinja_env.filters.update(phone_number=format_number)
    app.jinja_env.globals.update(STATUS_LABELS=STATUS_LABELS, REASON_LABELS=REASON_LABELS,
                                 CHANNEL_LABELS=CHANNEL_LABELS)

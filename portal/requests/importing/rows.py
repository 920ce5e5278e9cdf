"""Reading the requests CSV: column mapping, format detection, and each line's values as a checked `Row`.

Times are ISO 8601 (with Z or an offset), `M/D/YYYY H:MM[:SS] [AM|PM]` or epoch seconds/ms; a time
without a zone is local time in America/New_York, and everything comes out in UTC, as the text the
database stores (`stored_when`): "YYYY-MM-DD HH:MM:SS.ffffff", which sorts as time does.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from portal.models import ClosureReason, Status
from portal.requests.service import MAX_DESCRIPTION

FORMATS = ("philly", "open311")
FIELDS = ("service_request_id", "service_name", "service_code", "status", "status_notes", "description",
          "requested_datetime", "updated_datetime", "expected_datetime", "closed_datetime", "address",
          "lat", "lon", "media_url")
ALIASES = {"lon": ("lon", "long", "lng", "longitude"), "lat": ("lat", "latitude")}
FIELD_NAMES = {alias: name for name, aliases in ALIASES.items() for alias in aliases} | {f: f for f in FIELDS}
REQUIRED = ("service_request_id", "status", "requested_datetime")
PHILLY_MARKS = {"cartodb_id", "objectid", "closed_datetime", "the_geom"}
LOCAL = ZoneInfo("America/New_York")
STATUSES = {"open": Status.open.value, "new": Status.open.value, "acknowledged": Status.acknowledged.value,
            "in progress": Status.in_progress.value, "inprogress": Status.in_progress.value,
            "closed": Status.closed.value, "Open": Status.open.value, "Closed": Status.closed.value}
# Words in a closed request's status notes that mean something else than "fixed", first match wins.
REASON_WORDS = (
    ("duplicate", ClosureReason.duplicate),
    ("referred", ClosureReason.referred), ("another agency", ClosureReason.referred),
    ("another organization", ClosureReason.referred), ("other agency", ClosureReason.referred),
    ("unable to find", ClosureReason.could_not_locate), ("could not find", ClosureReason.could_not_locate),
    ("could not locate", ClosureReason.could_not_locate), ("unable to locate", ClosureReason.could_not_locate),
    ("not found", ClosureReason.could_not_locate),
    ("private property", ClosureReason.not_city), ("not city", ClosureReason.not_city),
    ("not the city", ClosureReason.not_city), ("not a city", ClosureReason.not_city),
    ("not needed", ClosureReason.no_action), ("no action", ClosureReason.no_action),
    ("not resolved", ClosureReason.no_action), ("cancel", ClosureReason.no_action),
    ("information provided", ClosureReason.no_action), ("question answered", ClosureReason.no_action),
    ("no violation", ClosureReason.no_action),
)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MIN_YEAR = 1970


class ImportFileError(Exception):
    """The file (or an argument) cannot be used at all; nothing was imported."""


class RowError(ValueError):
    """One row cannot be used; the message says why."""


# ------------------------------------------------------------------ columns

def parse_mappings(items: Iterable[str], fields: Iterable[str], *, default: str = "column=field",
                   aliases: dict[str, str] | None = None) -> dict[str, str]:
    """`--map` values as {field: column}. Either side may be the field: the documented order
    (`default`) is tried first, then the other."""
    fields = set(fields)
    aliases = aliases or {}
    mapping = {}
    for item in items:
        left, sep, right = item.partition("=")
        left, right = left.strip(), right.strip()
        if not sep or not left or not right:
            raise ValueError(f"--map {item!r}: write {default.upper()}, e.g. "
                             + ("\"Case ID=service_request_id\"" if default == "column=field" else "address=FULL_ADDRESS"))
        as_field = {side: aliases.get(side.lower(), side.lower()) for side in (left, right)}
        column, name = (left, right) if default == "column=field" else (right, left)
        if as_field[name] not in fields and as_field[column] in fields:
            column, name = name, column
        if as_field[name] not in fields:
            raise ValueError(f"--map {item!r}: {name!r} is not a field; fields: {', '.join(sorted(fields))}")
        mapping[as_field[name]] = column
    return mapping



def detect_format(header: list[str]) -> str:
    names = {h.strip().lower() for h in header}
    return "philly" if names & PHILLY_MARKS else "open311"



# ------------------------------------------------------------------ one row

def parse_when(value: str) -> datetime | None:
    """A time as written in city data, as an aware UTC datetime (None when empty)."""
    s = value.strip()
    if not s:
        return None
    try:
        if s[4:5] == "-":
            moment = datetime.fromisoformat(s)
        elif "/" in s:
            moment = _us_datetime(s)
        elif s.isdigit() and len(s) in (10, 13):
            moment = datetime.fromtimestamp(int(s) / (1000 if len(s) == 13 else 1), UTC)
        else:
            raise ValueError
    except (ValueError, OverflowError):
        raise RowError(f"{s[:40]!r} is not a date and time (ISO 8601 or M/D/YYYY H:MM)") from None
    zone = moment.tzinfo
    if zone is None:
        moment = moment.replace(tzinfo=LOCAL).astimezone(UTC)
    elif zone is not UTC:
        moment = moment.astimezone(UTC)
    if moment.year < MIN_YEAR:
        raise RowError(f"{s[:40]!r} is before {MIN_YEAR}")
    return moment


def stored_when(value: str) -> str | None:
    """A time as written in city data, as stored: UTC text "YYYY-MM-DD HH:MM:SS.ffffff" (None when
    empty). The commonest form, "YYYY-MM-DDTHH:MM:SSZ", is rewritten without a datetime's round trip."""
    if len(value) == 20 and value[19] == "Z" and value[10] in "T " and value[4] == "-":
        try:
            datetime.fromisoformat(value[:19])  # (checks that it is a real date and time)
        except ValueError:
            raise RowError(f"{value!r} is not a date and time (ISO 8601 or M/D/YYYY H:MM)") from None
        if value[:4] < str(MIN_YEAR):
            raise RowError(f"{value!r} is before {MIN_YEAR}")
        return f"{value[:10]} {value[11:19]}.000000"
    if "/" in value:  # M/D/YYYY, local time: the zone's offset is looked up once per hour of the file
        s = value.strip()
        try:
            naive = _us_datetime(s)
        except (ValueError, OverflowError):
            raise RowError(f"{s[:40]!r} is not a date and time (ISO 8601 or M/D/YYYY H:MM)") from None
        moment = naive - _local_offset(naive.year, naive.month, naive.day, naive.hour)
        if moment.year < MIN_YEAR:
            raise RowError(f"{s[:40]!r} is before {MIN_YEAR}")
        return moment.isoformat(" ", "microseconds")
    moment = parse_when(value)
    return None if moment is None else moment.isoformat(" ", "microseconds")[:26]


@functools.lru_cache(maxsize=65_536)  # (a file's hours repeat; memory stays flat over decades)
def _local_offset(year: int, month: int, day: int, hour: int) -> timedelta:
    return datetime(year, month, day, hour, tzinfo=LOCAL).utcoffset()


def plus_days(stored: str, days: int) -> str:
    """A stored time `days` later (UTC has no daylight saving: only the date changes)."""
    return _date_plus(stored[:10], days) + stored[10:]


@functools.lru_cache(maxsize=65_536)
def _date_plus(date: str, days: int) -> str:
    return (datetime.fromisoformat(date) + timedelta(days=days)).isoformat()[:10]


def _us_datetime(s: str) -> datetime:
    date, _, clock = s.partition(" ")
    month, day, year = date.split("/")
    hour = minute = second = 0
    clock = clock.strip()
    if clock:
        meridiem = clock[-2:].upper()
        if meridiem in ("AM", "PM"):
            clock = clock[:-2].strip()
        parts = clock.split(":")
        if not 2 <= len(parts) <= 3:
            raise ValueError
        hour, minute = int(parts[0]), int(parts[1])
        second = int(float(parts[2])) if len(parts) == 3 else 0
        if meridiem in ("AM", "PM"):
            if not 1 <= hour <= 12:
                raise ValueError
            hour = hour % 12 + (12 if meridiem == "PM" else 0)
    year = int(year)
    if year < 100:
        year += 2000
    return datetime(year, int(month), int(day), hour, minute, second)


def closure_reason(notes: str) -> str:
    lowered = notes.lower()
    for words, reason in REASON_WORDS:
        if words in lowered:
            return reason.value
    return ClosureReason.fixed.value


def _text(value: str, limit: int, *, multiline: bool = False) -> str:
    if CONTROL.search(value):
        value = CONTROL.sub(" ", value)
    value = value.strip() if multiline else " ".join(value.split())
    return value if len(value) <= limit else value[:limit - 1] + "…"


@dataclass(slots=True)
class Row:
    line: int
    source_id: str
    service_name: str
    service_code: str
    status: str
    notes: str
    description: str
    created: str  # times as stored (see `stored_when`)
    updated: str | None
    expected: str | None
    closed: str | None
    address: str
    lat: float | None
    lon: float | None
    media_url: str


class RowReader:
    """Turns the CSV's value lists into checked `Row`s, by column position."""

    def __init__(self, header: list[str], mapping: dict[str, str], name: str, check_point=None):
        from portal.areas.assign import PointCheck
        self.check_point = check_point or PointCheck()
        positions = {h.strip(): i for i, h in enumerate(header)}
        lowered = {h.strip().lower(): i for i, h in enumerate(header)}
        self.columns: dict[str, int] = {}
        for field_name, column in mapping.items():
            position = positions.get(column, lowered.get(column.lower()))
            if position is None:
                raise ImportFileError(f"{name}: line 1: no column {column!r} (mapped to {field_name}); "
                                      f"the header has: {', '.join(header)}")
            self.columns[field_name] = position
        for field_name in FIELDS:
            if field_name not in self.columns:
                for alias in ALIASES.get(field_name, (field_name,)):
                    if alias in lowered and lowered[alias] not in self.columns.values():
                        self.columns[field_name] = lowered[alias]
                        break
        missing = [f for f in REQUIRED if f not in self.columns]
        if "service_name" not in self.columns and "service_code" not in self.columns:
            missing.append("service_name or service_code")
        if missing:
            raise ImportFileError(f"{name}: line 1: missing column{'s' if len(missing) > 1 else ''} "
                                  f"{', '.join(missing)} (the header has: {', '.join(h for h in header) or 'nothing'}); "
                                  "name them with --map COLUMN=FIELD")
        self.width = len(header)
        self.positions = tuple(self.columns.get(f, self.width) for f in FIELDS)
        self.now = (datetime.now(UTC) + timedelta(days=1)).isoformat(" ", "microseconds")[:26]

    def when(self, text: str, name: str) -> str | None:
        if not text:
            return None
        try:
            return stored_when(text)
        except RowError as problem:
            raise RowError(f"{name} {problem}") from None

    def read(self, values: list[str], line: int) -> Row:
        if len(values) != self.width:
            raise RowError(f"{len(values)} values, the header has {self.width}")
        values.append("")  # what every column the file does not have reads as
        (i_id, i_name, i_code, i_status, i_notes, i_description, i_requested, i_updated, i_expected, i_closed,
         i_address, i_lat, i_lon, i_media) = self.positions
        source_id = values[i_id].strip()
        if not source_id:
            raise RowError("no service_request_id")
        if len(source_id) > 60:
            raise RowError("service_request_id is longer than 60 characters")
        name, code = values[i_name], values[i_code]
        if "  " in name or name[:1] == " " or name[-1:] == " ":
            name = " ".join(name.split())
        code = code.strip()
        if not name and not code:
            raise RowError("no service_name or service_code")
        raw_status = values[i_status]
        status = STATUSES.get(raw_status)
        if status is None:
            folded = " ".join(raw_status.replace("-", " ").replace("_", " ").split()).lower()
            status = STATUSES.get(folded)
            if status is None:
                raise RowError(f"status {raw_status.strip()[:30]!r} is not open, acknowledged, in progress or closed")
        when = self.when
        created = when(values[i_requested], "requested_datetime")
        if created is None:
            raise RowError("no requested_datetime")
        if created > self.now:
            raise RowError(f"requested_datetime {values[i_requested].strip()!r} is in the future")
        updated = when(values[i_updated], "updated_datetime")
        expected = when(values[i_expected], "expected_datetime")
        closed = when(values[i_closed], "closed_datetime")
        raw_lat, raw_lon = values[i_lat], values[i_lon]
        lat = lon = None
        if raw_lat or raw_lon:
            raw_lat, raw_lon = raw_lat.strip(), raw_lon.strip()
            if not (raw_lat and raw_lon):
                if raw_lat or raw_lon:
                    raise RowError("lat and lon must both be given or both be empty")
            elif raw_lat in ("0", "0.0") and raw_lon in ("0", "0.0"):
                pass  # 0,0: a common way of saying "no point"
            else:
                try:
                    lat, lon = self.check_point(raw_lat, raw_lon)
                except ValueError as problem:
                    raise RowError(str(problem)) from None
        media = values[i_media]
        if media:
            media = media.strip()
            if len(media) > 500 or not media.startswith(("https://", "http://")):
                media = ""
        notes, description, address = values[i_notes], values[i_description], values[i_address]
        return Row(line, source_id, name[:200], code[:40], status,
                   _text(notes, 4000, multiline=True) if notes else "",
                   _text(description, MAX_DESCRIPTION, multiline=True) if description else "",
                   created, updated, expected, closed, _text(address, 200) if address else "", lat, lon, media)

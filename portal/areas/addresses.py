"""The city's address points: loading them, and suggesting matches as an address is typed.

Addresses are compared in one normal form: lower case, accents and punctuation gone, and
directions and street types in one short form whichever way they were written ("N. Broad Street"
and "north broad st" are both "n broad st"; "06th" is "6th"). Suggestions are a prefix search on
the indexed `normalized` column as a range (`>= prefix AND < prefix + U+FFFF`), so a large table
is never scanned. (That range relies on code-point ordering, as SQLite and PostgreSQL databases in
the C or C.UTF-8 collation have; matches are also checked in Python.)
"""
from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import insert, select
from sqlmodel import Session

from portal.csvrows import csv_rows, read_header
from portal.models import AddressPoint

FIELDS = ("address", "lat", "lon")
ALIASES = {
    "address": ("address", "full_address", "addr", "street_address", "location"),
    "lat": ("lat", "latitude", "y"),
    "lon": ("lon", "long", "lng", "longitude", "x"),
}
BATCH = 5_000
MAX_PROBLEMS = 50  # bad rows listed; the rest are counted
MIN_PREFIX = 2

# Every spelling -> the one short form. Directions, then street types (USPS abbreviations).
SHORT = {
    "north": "n", "south": "s", "east": "e", "west": "w",
    "northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw",
    "street": "st", "str": "st", "avenue": "ave", "av": "ave", "aven": "ave", "avn": "ave",
    "boulevard": "blvd", "boul": "blvd", "road": "rd", "drive": "dr", "drv": "dr", "lane": "ln",
    "place": "pl", "square": "sq", "court": "ct", "terrace": "ter", "terr": "ter", "parkway": "pkwy",
    "pky": "pkwy", "highway": "hwy", "circle": "cir", "plaza": "plz", "alley": "aly", "expressway": "expy",
    "turnpike": "tpke", "crescent": "cres", "mount": "mt", "point": "pt", "heights": "hts",
    "bridge": "brg", "saint": "st",
}
_SHORT_FORMS = set(SHORT.values())
_ORDINAL = re.compile(r"^0+(\d+(?:st|nd|rd|th)?)$")
_APOSTROPHES = re.compile(r"['’`]")
_NOT_WORD = re.compile(r"[^\w]+|_")


def normalize(text: str) -> str:
    """One form for comparing addresses: "N. Broad Street" -> "n broad st"."""
    folded = unicodedata.normalize("NFKD", (text or "").lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    words = _NOT_WORD.sub(" ", _APOSTROPHES.sub("", folded)).split()
    return " ".join(SHORT.get(w, _ORDINAL.sub(r"\1", w)) for w in words)


def _prefixes(text: str) -> list[tuple[str, bool]]:
    """What to look for: the typed text in normal form, and when its last word is a long form
    still being typed ("n broad stre"), that word's short form as a whole word ("n broad st")."""
    prefix = normalize(text)
    found = [(prefix, False)]
    head, _, last = prefix.rpartition(" ")
    if len(last) >= 3 and last not in _SHORT_FORMS and text == text.rstrip():
        for short in sorted({v for k, v in SHORT.items() if k.startswith(last) and k != last}):
            found.append(((head + " " if head else "") + short, True))
    return found


def suggest(session: Session, text: str, limit: int = 8) -> list[AddressPoint]:
    """Known addresses starting with what was typed (in normal form), alphabetically."""
    text = (text or "")[:200]
    if len(normalize(text)) < MIN_PREFIX:
        return []
    found: dict[int, AddressPoint] = {}
    for prefix, whole_word in _prefixes(text):
        rows = session.execute(select(AddressPoint).where(
            AddressPoint.normalized >= prefix, AddressPoint.normalized < prefix + "\uffff")
            .order_by(AddressPoint.normalized, AddressPoint.id).limit(limit)).scalars()
        for row in rows:
            rest = row.normalized[len(prefix):]
            if row.normalized.startswith(prefix) and (not whole_word or not rest or rest[0] == " "):
                found.setdefault(row.id, row)
    return sorted(found.values(), key=lambda r: (r.normalized, r.id))[:limit]


def apply_pick(form_data, session: Session):
    """The report form posted with a suggestion's button (`pick_address`): the form's data with
    that address and its point filled in, or None when no suggestion was picked.

    The map's own view fields are dropped so that the picker shows the new point.
    """
    picked = (form_data.get("pick_address") or "").strip() if form_data else ""
    if not picked:
        return None
    data = form_data.copy()
    data.pop("pick_address", None)
    point = session.get(AddressPoint, int(picked)) if picked.isdigit() and len(picked) < 12 else None
    if point is None:
        return data
    data["address"] = point.address
    data["lat"], data["lon"] = f"{point.lat:.6f}", f"{point.lon:.6f}"
    from portal.areas.assign import _smallest
    from portal.areas.service import NEIGHBOURHOOD, areas_containing
    area = _smallest(areas_containing(session, point.lat, point.lon, NEIGHBOURHOOD))
    if area is not None:
        data["area"] = area.slug
    for name in ("view_lat", "view_lon", "view_z"):
        data.pop(name, None)
    return data


# ------------------------------------------------------------------ loading a file

class AddressFileError(Exception):
    """The file cannot be used at all; nothing was imported."""


@dataclass
class AddressReport:
    rows: int = 0
    added: int = 0
    existing: int = 0
    bad: int = 0
    problems: list[str] = field(default_factory=list)

    def problem(self, line: int, message: str) -> None:
        self.bad += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(f"line {line}: {message}")


def _columns(header: list[str], mapping: dict[str, str], path: Path) -> dict[str, int]:
    positions = {name.strip(): i for i, name in enumerate(header)}
    lowered = {name.strip().lower(): i for i, name in enumerate(header)}
    found, missing = {}, []
    for name in FIELDS:
        if name in mapping:
            column = mapping[name]
            if column not in positions and column.lower() not in lowered:
                raise AddressFileError(f"{path.name}: line 1: no column {column!r} (for {name}); "
                                       f"the header has: {', '.join(header)}")
            found[name] = positions.get(column, lowered.get(column.lower()))
            continue
        position = next((lowered[a] for a in ALIASES[name] if a in lowered), None)
        if position is None:
            missing.append(name)
        else:
            found[name] = position
    if missing:
        raise AddressFileError(f"{path.name}: line 1: no column for {', '.join(missing)} "
                               f"(the header has: {', '.join(header)}); name it with --map {missing[0]}=COLUMN")
    return found


def import_address_file(session: Session, path: Path, mapping: dict[str, str]) -> AddressReport:
    """Stream the CSV into address_point, 5,000 rows a batch, each batch committed.

    An address already known (same normal form) is skipped, so a second run adds nothing.
    """
    from portal.areas.assign import PointCheck
    report, check_point = AddressReport(), PointCheck(session)
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as handle:
        reader = csv.reader(handle)
        header = read_header(reader, path.name, AddressFileError)
        columns = _columns(header, mapping, path)
        width = len(header)
        batch: dict[str, dict] = {}
        for start, values in csv_rows(reader, report):
            if len(values) != width:
                report.problem(start, f"{len(values)} values, the header has {width}")
                continue
            address = " ".join(values[columns["address"]].split())[:200]
            normal = normalize(address)
            if not normal:
                report.problem(start, "no address")
                continue
            try:
                lat, lon = check_point(values[columns["lat"]], values[columns["lon"]])
            except ValueError as problem:
                report.problem(start, str(problem))
                continue
            if normal in batch:
                report.existing += 1
                continue
            batch[normal] = {"address": address, "normalized": normal[:200], "lat": lat, "lon": lon}
            if len(batch) >= BATCH:
                _write(session, batch, report)
                batch = {}
        if batch:
            _write(session, batch, report)
    return report


def _write(session: Session, batch: dict[str, dict], report: AddressReport) -> None:
    known = set(session.execute(select(AddressPoint.normalized).where(
        AddressPoint.normalized.in_(list(batch)))).scalars())
    rows = [row for normal, row in batch.items() if normal not in known]
    report.existing += len(batch) - len(rows)
    if rows:
        session.execute(insert(AddressPoint.__table__), rows)
    session.commit()
    report.added += len(rows)


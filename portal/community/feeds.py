"""Atom feeds of board threads and iCalendar files of community events.

Pure functions returning bytes; no request, no database. Naive datetimes are taken as UTC (what
the database gives back for the aware UTC values `utcnow()` stores); aware ones are converted.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Not XML 1.0 characters (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# RFC 5545 TEXT: no control characters except tab (line breaks are escaped before this applies);
# lone surrogates cannot be written as UTF-8.
_NOT_ICAL = re.compile("[\x00-\x08\x0a-\x1f\x7f\ud800-\udfff]")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


def _utc(moment: datetime) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError(f"expected a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def rfc3339(moment: datetime) -> str:
    """`2025-03-01T14:05:09Z` (whole seconds, UTC)."""
    return _utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def tag_uri(authority: str, day: date, specific: str) -> str:
    """An RFC 4151 tag URI (`tag:stoop.example,2025-03-01:post/42`): an entry id that stays the
    same when the site moves to another address."""
    return f"tag:{authority},{day.isoformat()}:{specific}"


# ------------------------------------------------------------------------------------ Atom

def _xml_text(value) -> str:
    text = "" if value is None else str(value)
    return _NOT_XML.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _iri(value, what: str) -> str:
    iri = _xml_text(value).strip()
    if not _SCHEME.match(iri):
        raise ValueError(f"{what} must be an absolute IRI (a tag: URI or a URL), got {iri!r}")
    return iri


def _sub(parent: ET.Element, tag: str, text=None, **attrs) -> ET.Element:
    element = ET.SubElement(parent, tag, {name: _xml_text(value) for name, value in attrs.items()})
    if text is not None:
        element.text = _xml_text(text)
    return element


def atom_feed(*, title: str, feed_url: str, site_url: str, updated: datetime, entries: list[dict],
              author: str | None = None, lang: str | None = None) -> bytes:
    """An Atom 1.0 document (RFC 4287), UTF-8 with an XML declaration.

    Each entry: `id` (a tag: URI or a URL; the `link` when missing), `title`, `link`, `updated`
    (datetime), `author` (a name; optional), `content` (HTML, sent as escaped text, type="html";
    optional), `summary` (plain text; optional), `published` (datetime; optional). When some entry
    has no author the feed names one (`author`, else the feed's title), as RFC 4287 requires."""
    feed = ET.Element("feed", {"xmlns": ATOM_NS})
    if lang:
        feed.set(XML_LANG, _xml_text(lang))
    _sub(feed, "id", _iri(feed_url, "feed_url"))
    _sub(feed, "title", title)
    _sub(feed, "updated", rfc3339(updated))
    _sub(feed, "link", rel="self", type="application/atom+xml", href=_iri(feed_url, "feed_url"))
    _sub(feed, "link", rel="alternate", type="text/html", href=_iri(site_url, "site_url"))
    if any(not _xml_text(entry.get("author")).strip() for entry in entries):
        _sub(_sub(feed, "author"), "name", author or title)
    for entry in entries:
        item = _sub(feed, "entry")
        link = entry.get("link")
        _sub(item, "id", _iri(entry.get("id") or link, "entry id"))
        _sub(item, "title", entry.get("title") or "")
        if link:
            _sub(item, "link", rel="alternate", type="text/html", href=_iri(link, "entry link"))
        _sub(item, "updated", rfc3339(entry["updated"]))
        if entry.get("published"):
            _sub(item, "published", rfc3339(entry["published"]))
        if _xml_text(entry.get("author")).strip():
            _sub(_sub(item, "author"), "name", entry["author"])
        if entry.get("summary"):
            _sub(item, "summary", entry["summary"], type="text")
        if entry.get("content"):
            _sub(item, "content", entry["content"], type="html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


# ------------------------------------------------------------------------------- iCalendar

def _ical_text(value) -> str:
    """RFC 5545 §3.3.11 TEXT escaping."""
    text = "" if value is None else str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")
    return _NOT_ICAL.sub("", text)


def _ical_when(moment: date | datetime) -> tuple[str, str]:
    """(parameters, value): UTC date-time, or a whole day."""
    if isinstance(moment, datetime):
        return "", _utc(moment).strftime("%Y%m%dT%H%M%SZ")
    if isinstance(moment, date):
        return ";VALUE=DATE", moment.strftime("%Y%m%d")
    raise TypeError(f"expected a date or datetime, got {type(moment).__name__}")


def fold(line: str) -> str:
    """RFC 5545 §3.1: lines of at most 75 octets, continued on lines starting with a space,
    cut between characters, never inside one; CRLF after every line."""
    out, current, size = [], [], 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > 75:
            out.append("".join(current))
            current, size = [" "], 1
        current.append(char)
        size += width
    out.append("".join(current))
    return "\r\n".join(out) + "\r\n"


def icalendar(*, name: str, events: list[dict], prodid: str = "-//Stoop//Community events//EN",
              stamp: datetime | None = None) -> bytes:
    """A VCALENDAR (RFC 5545) of VEVENTs, UTF-8, CRLF, folded at 75 octets.

    Each event: `uid`, `start` (datetime, or a date for an all-day event; required), `end` (optional),
    `summary`, `location`, `description`, `url` (optional), `dtstamp` (optional: when the event
    was last changed; else `stamp`, else now — pass one of them for output that does not change
    between requests)."""
    default_stamp = stamp or datetime.now(UTC).replace(microsecond=0)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{_ical_text(prodid)}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"NAME:{_ical_text(name)}", f"X-WR-CALNAME:{_ical_text(name)}"]
    for event in events:
        lines += ["BEGIN:VEVENT", f"UID:{_ical_text(event['uid'])}",
                  "DTSTAMP:" + _ical_when(_utc(event.get("dtstamp") or default_stamp))[1]]
        params, value = _ical_when(event["start"])  # required when METHOD is present
        lines.append(f"DTSTART{params}:{value}")
        if event.get("end") is not None:
            params, value = _ical_when(event["end"])
            lines.append(f"DTEND{params}:{value}")
        for key, prop in (("summary", "SUMMARY"), ("location", "LOCATION"), ("description", "DESCRIPTION")):
            if event.get(key):
                lines.append(f"{prop}:{_ical_text(event[key])}")
        if event.get("url"):  # a URI, not TEXT: no backslash escaping, no whitespace
            lines.append("URL:" + "".join(_NOT_ICAL.sub("", str(event["url"])).split()))
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) for line in lines).encode("utf-8")

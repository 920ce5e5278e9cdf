"""Atom feeds and iCalendar files (no HTTP)."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from portal.community.feeds import atom_feed, fold, icalendar, rfc3339, tag_uri
from portal.community.markup import render_markdown
from tests.unit.test_markup import XSS_CORPUS

A = "{http://www.w3.org/2005/Atom}"
NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
PHILLY = timezone(timedelta(hours=-5))
BAD_XML = "\x00\x01\x08\x0b\x0c\x0e\x1f\ufffe\uffff"


def feed(entries, **overrides):
    options = dict(title="Fishtown board", feed_url="https://stoop.example/boards/fishtown.atom",
                   site_url="https://stoop.example/boards/fishtown", updated=NOW, entries=entries)
    options.update(overrides)
    return atom_feed(**options)


def entry(**overrides):
    values = dict(id=tag_uri("stoop.example", date(2025, 3, 1), "post/42"), title="Pothole on Girard",
                  link="https://stoop.example/t/7#post-42", updated=datetime(2025, 3, 1, 9, 30, tzinfo=PHILLY),
                  author="Ann", content="<p>Deep &amp; <em>wide</em></p>", summary="Deep & wide")
    values.update(overrides)
    return values


# ------------------------------------------------------------------ Atom


def test_atom_document_is_well_formed_with_every_field():
    data = feed([entry(published=datetime(2025, 3, 1, 9, 0))], lang="en")
    assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>\n")
    root = ET.fromstring(data)
    assert root.tag == f"{A}feed"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert root.findtext(f"{A}id") == "https://stoop.example/boards/fishtown.atom"
    assert root.findtext(f"{A}title") == "Fishtown board"
    assert root.findtext(f"{A}updated") == "2025-03-01T12:00:00Z"
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{A}link")}
    assert links == {"self": "https://stoop.example/boards/fishtown.atom",
                     "alternate": "https://stoop.example/boards/fishtown"}
    assert root.find(f"{A}author") is None  # every entry has one
    (item,) = root.findall(f"{A}entry")
    assert item.findtext(f"{A}id") == "tag:stoop.example,2025-03-01:post/42"
    assert item.findtext(f"{A}title") == "Pothole on Girard"
    assert item.find(f"{A}link").get("href") == "https://stoop.example/t/7#post-42"
    assert item.find(f"{A}link").get("rel") == "alternate"
    assert item.findtext(f"{A}updated") == "2025-03-01T14:30:00Z"  # 09:30 at UTC-5
    assert item.findtext(f"{A}published") == "2025-03-01T09:00:00Z"  # naive: UTC
    assert item.findtext(f"{A}author/{A}name") == "Ann"
    assert item.find(f"{A}content").get("type") == "html"
    assert item.findtext(f"{A}content") == "<p>Deep &amp; <em>wide</em></p>"
    assert item.find(f"{A}summary").get("type") == "text"
    assert item.findtext(f"{A}summary") == "Deep & wide"


def test_html_content_is_escaped_text_not_markup():
    data = feed([entry()])
    assert b"&lt;p&gt;Deep &amp;amp; &lt;em&gt;wide&lt;/em&gt;&lt;/p&gt;" in data
    assert ET.fromstring(data).find(f"{A}entry/{A}content/{A}p") is None


def test_entry_id_falls_back_to_the_link_and_must_be_absolute():
    root = ET.fromstring(feed([entry(id=None, link="https://stoop.example/t/9")]))
    assert root.findtext(f"{A}entry/{A}id") == "https://stoop.example/t/9"
    with pytest.raises(ValueError):
        feed([entry(id="/t/9")])
    with pytest.raises(ValueError):
        feed([], feed_url="boards/fishtown.atom")


def test_feed_names_an_author_when_an_entry_has_none():
    root = ET.fromstring(feed([entry(author=""), entry(author="Ann")]))
    assert root.findtext(f"{A}author/{A}name") == "Fishtown board"
    root = ET.fromstring(feed([entry(author=None)], author="Stoop"))
    assert root.findtext(f"{A}author/{A}name") == "Stoop"
    assert root.find(f"{A}entry/{A}author") is None


def test_optional_entry_fields_can_be_left_out():
    root = ET.fromstring(feed([{"id": "tag:stoop.example,2025-03-01:post/1", "title": "t", "updated": NOW}]))
    item = root.find(f"{A}entry")
    assert [child.tag for child in item] == [f"{A}id", f"{A}title", f"{A}updated"]


def test_empty_feed_is_valid():
    root = ET.fromstring(feed([]))
    assert root.findall(f"{A}entry") == [] and root.findtext(f"{A}updated") == "2025-03-01T12:00:00Z"


def test_characters_not_allowed_in_xml_are_stripped_everywhere():
    data = feed([entry(title=f"a{BAD_XML}b", content=f"<p>c{BAD_XML}d</p>", summary=f"e{BAD_XML}f",
                       author=f"g{BAD_XML}h", link=f"https://stoop.example/t/1{BAD_XML}",
                       id=f"tag:stoop.example,2025-03-01:post/1{BAD_XML}")],
                title=f"T{BAD_XML}itle", author=f"x{BAD_XML}")
    root = ET.fromstring(data)  # would raise on any of them
    item = root.find(f"{A}entry")
    assert root.findtext(f"{A}title") == "Title"
    assert item.findtext(f"{A}title") == "ab"
    assert item.findtext(f"{A}content") == "<p>cd</p>"
    assert item.findtext(f"{A}summary") == "ef"
    assert item.findtext(f"{A}author/{A}name") == "gh"
    assert item.find(f"{A}link").get("href") == "https://stoop.example/t/1"
    assert item.findtext(f"{A}id") == "tag:stoop.example,2025-03-01:post/1"


def test_unicode_text_survives_and_output_is_deterministic():
    entries = [entry(title="حفرة في الشارع 🚧", summary="Señal rota\ttab\r\nline", author="سلمى")]
    data = feed(entries)
    assert feed(entries) == data
    item = ET.fromstring(data).find(f"{A}entry")
    assert item.findtext(f"{A}title") == "حفرة في الشارع 🚧"
    assert item.findtext(f"{A}summary") == "Señal rota\ttab\nline"
    assert "حفرة".encode() in data  # UTF-8, not character references


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_xss_corpus_stays_text_in_the_feed(payload):
    data = feed([entry(title=payload, content=render_markdown(payload), summary=payload, author=payload)],
                title=payload)
    root = ET.fromstring(data)
    allowed = {f"{A}{name}" for name in ("feed", "id", "title", "updated", "link", "author", "name",
                                         "entry", "content", "summary")}
    assert {element.tag for element in root.iter()} <= allowed
    assert not any(element.tag.lower().endswith("script") for element in root.iter())
    assert b"<script" not in data.lower() and b"<img" not in data.lower()
    expected = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", "", payload)
    item = root.find(f"{A}entry")
    assert item.findtext(f"{A}title") == expected
    assert item.findtext(f"{A}summary") == expected
    assert item.findtext(f"{A}content") == render_markdown(payload)


def test_rfc3339_and_tag_uri():
    assert rfc3339(datetime(2025, 7, 4, 23, 59, 59, 999999, tzinfo=PHILLY)) == "2025-07-05T04:59:59Z"
    assert rfc3339(datetime(2025, 7, 4, 1, 2, 3)) == "2025-07-04T01:02:03Z"
    assert tag_uri("stoop.example", date(2025, 1, 2), "thread/5") == "tag:stoop.example,2025-01-02:thread/5"
    with pytest.raises(TypeError):
        rfc3339(date(2025, 7, 4))


# ------------------------------------------------------------------ iCalendar


def unfold(data: bytes) -> list[str]:
    text = data.decode("utf-8")
    assert text.endswith("\r\n")
    return re.sub(r"\r\n[ \t]", "", text).split("\r\n")[:-1]


def unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def properties(data: bytes) -> list[tuple[str, str]]:
    return [tuple(line.split(":", 1)) for line in unfold(data)]


def assert_wire_format(data: bytes) -> None:
    assert data.count(b"\n") == data.count(b"\r\n") and data.count(b"\r") == data.count(b"\r\n")
    physical = data.split(b"\r\n")
    assert physical[-1] == b""
    for line in physical[:-1]:
        assert len(line) <= 75, line
        line.decode("utf-8")  # every physical line is whole UTF-8 on its own


EVENT = dict(uid="event-12@stoop.example", start=datetime(2025, 4, 5, 10, 0, tzinfo=PHILLY),
             end=datetime(2025, 4, 5, 13, 0, tzinfo=PHILLY), summary="Spring clean-up, Palmer Park; bring gloves",
             location="Palmer Park, Frankford Ave & E Susquehanna Ave",
             description="Bags, grabbers and coffee provided.\nMeet at the gate\\the bench.",
             url="https://stoop.example/events/12?ref=a,b", dtstamp=datetime(2025, 3, 1, 8, 0, tzinfo=UTC))


def test_icalendar_document():
    data = icalendar(name="Fishtown events", events=[EVENT])
    assert_wire_format(data)
    assert properties(data) == [
        ("BEGIN", "VCALENDAR"), ("VERSION", "2.0"), ("PRODID", "-//Stoop//Community events//EN"),
        ("CALSCALE", "GREGORIAN"), ("METHOD", "PUBLISH"), ("NAME", "Fishtown events"),
        ("X-WR-CALNAME", "Fishtown events"),
        ("BEGIN", "VEVENT"), ("UID", "event-12@stoop.example"), ("DTSTAMP", "20250301T080000Z"),
        ("DTSTART", "20250405T150000Z"), ("DTEND", "20250405T180000Z"),
        ("SUMMARY", "Spring clean-up\\, Palmer Park\\; bring gloves"),
        ("LOCATION", "Palmer Park\\, Frankford Ave & E Susquehanna Ave"),
        ("DESCRIPTION", "Bags\\, grabbers and coffee provided.\\nMeet at the gate\\\\the bench."),
        ("URL", "https://stoop.example/events/12?ref=a,b"),
        ("END", "VEVENT"), ("END", "VCALENDAR"),
    ]


def test_unfolding_and_unescaping_restore_the_text():
    long = "Line one; with, commas\\and a backslash\nline two " + "word, " * 40
    data = icalendar(name="x", events=[dict(EVENT, description=long, summary=long)])
    assert_wire_format(data)
    values = dict(properties(data)[7:])
    assert unescape(values["DESCRIPTION"]) == long
    assert unescape(values["SUMMARY"]) == long
    assert max(len(line) for line in data.split(b"\r\n")) == 75


def test_arabic_description_folds_without_breaking_utf8():
    arabic = ("تنظيف الحديقة يوم السبت، أحضروا القفازات؛ " * 10)[:300]
    assert len(arabic) == 300
    data = icalendar(name="فعاليات الحي", events=[dict(EVENT, description=arabic, summary=arabic)])
    assert_wire_format(data)
    description = [line for line in data.split(b"\r\n") if line.startswith((b"DESCRIPTION:", b" "))]
    assert len(description) > 5
    values = dict(properties(data)[7:])
    assert unescape(values["DESCRIPTION"]) == arabic
    assert unescape(dict(properties(data))["NAME"]) == "فعاليات الحي"


def test_four_byte_characters_are_never_split():
    text = "🚧" * 200 + "x" + "🚧" * 200
    for prefix in range(4):  # every alignment of the 4-byte characters against the 75-octet limit
        data = icalendar(name="x", events=[dict(EVENT, description="a" * prefix + text)])
        assert_wire_format(data)
        assert unescape(dict(properties(data)[7:])["DESCRIPTION"]) == "a" * prefix + text


def test_fold_limits():
    assert fold("x" * 75) == "x" * 75 + "\r\n"
    assert fold("x" * 76) == "x" * 75 + "\r\n x\r\n"
    assert fold("x" * 149) == "x" * 75 + "\r\n " + "x" * 74 + "\r\n"
    assert fold("é" * 38) == "é" * 37 + "\r\n é\r\n"  # 76 octets; the 2-byte character moves whole
    assert fold("") == "\r\n"


def test_dates_times_and_optional_fields():
    events = [dict(uid="a", start=date(2025, 5, 1), end=date(2025, 5, 2), summary="All day"),
              dict(uid="b", start=datetime(2025, 5, 1, 18, 30), summary="Naive is UTC")]
    stamp = datetime(2025, 4, 1, 7, 0, tzinfo=PHILLY)
    data = icalendar(name="x", events=events, stamp=stamp)
    lines = unfold(data)
    assert "DTSTART;VALUE=DATE:20250501" in lines and "DTEND;VALUE=DATE:20250502" in lines
    assert "DTSTART:20250501T183000Z" in lines
    assert lines.count("DTSTAMP:20250401T120000Z") == 2
    second = lines[lines.index("UID:b"):]
    assert not any(line.startswith(("DTEND", "LOCATION", "DESCRIPTION", "URL")) for line in second)
    assert icalendar(name="x", events=events, stamp=stamp) == data  # deterministic with a stamp


def test_without_a_stamp_dtstamp_is_now():
    before = datetime.now(UTC).replace(microsecond=0)
    lines = unfold(icalendar(name="x", events=[dict(uid="a", start=NOW)]))
    stamp = datetime.strptime(next(line for line in lines if line.startswith("DTSTAMP:"))[8:],
                              "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert before <= stamp <= datetime.now(UTC)


def test_control_characters_and_injection_are_neutralised():
    sneaky = "Fun\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:fake\x00\x07\x1b;x"
    data = icalendar(name=sneaky, events=[dict(EVENT, summary=sneaky, location=sneaky, uid=sneaky,
                                               url="https://stoop.example/e/1\r\nATTACH:evil x")])
    assert_wire_format(data)
    lines = unfold(data)
    assert lines.count("BEGIN:VEVENT") == 1 and lines.count("END:VEVENT") == 1
    assert not any(line.startswith(("SUMMARY:fake", "ATTACH")) for line in lines)
    assert "SUMMARY:Fun\\nEND:VEVENT\\nBEGIN:VEVENT\\nSUMMARY:fake\\;x" in lines
    assert "URL:https://stoop.example/e/1ATTACH:evilx" in lines
    assert b"\x00" not in data and b"\x07" not in data and b"\x1b" not in data


def test_missing_start_is_an_error():
    with pytest.raises(KeyError):
        icalendar(name="x", events=[dict(uid="a", summary="no start")])


def test_empty_calendar():
    data = icalendar(name="x", events=[], prodid="-//Other//X//EN")
    assert_wire_format(data)
    assert unfold(data) == ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Other//X//EN", "CALSCALE:GREGORIAN",
                            "METHOD:PUBLISH", "NAME:x", "X-WR-CALNAME:x", "END:VCALENDAR"]

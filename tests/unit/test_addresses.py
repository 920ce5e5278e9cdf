"""Address points: one normal form for every way of writing an address, and prefix suggestions."""
import pytest
from werkzeug.datastructures import MultiDict

from portal.areas.addresses import apply_pick, normalize, suggest
from portal.models import AddressPoint


@pytest.mark.parametrize("written, normal", [
    ("N Broad St", "n broad st"),
    ("North Broad Street", "n broad st"),
    ("N. BROAD ST.", "n broad st"),
    ("  north   broad   street  ", "n broad st"),
    ("1400 John F. Kennedy Boulevard", "1400 john f kennedy blvd"),
    ("1400 JOHN F KENNEDY BLVD", "1400 john f kennedy blvd"),
    ("S 06TH ST", "s 6th st"),
    ("South 6th Street", "s 6th st"),
    ("E Passyunk Avenue", "e passyunk ave"),
    ("West Girard Av", "w girard ave"),
    ("Ridge Road", "ridge rd"), ("Lincoln Drive", "lincoln dr"), ("Elfreth's Alley", "elfreths aly"),
    ("Rittenhouse Square", "rittenhouse sq"), ("Cherry Lane", "cherry ln"), ("Fairmount Place", "fairmount pl"),
    ("Café Olé Court", "cafe ole ct"),
    ("Benjamin Franklin Parkway", "benjamin franklin pkwy"),
    ("", ""), ("—", ""),
])
def test_normalize_one_short_form(written, normal):
    assert normalize(written) == normal


def test_normalize_is_idempotent():
    for text in ("North Broad Street", "1400 JOHN F KENNEDY BLVD", "S 06TH ST"):
        assert normalize(normalize(text)) == normalize(text)


def _points(session, *addresses):
    rows = [AddressPoint(address=a, normalized=normalize(a), lat=39.95 + i / 1000, lon=-75.16)
            for i, a in enumerate(addresses)]
    session.add_all(rows)
    session.commit()
    return rows


def test_suggest_prefix_case_and_punctuation_insensitive(session):
    _points(session, "1400 North Broad Street", "1401 N BROAD ST", "1400 South Broad Street",
            "1400 N Broad Stanley Ct", "Broad and Market", "1400 Market St")
    both = ["1400 North Broad Street", "1400 N Broad Stanley Ct"]
    assert [p.address for p in suggest(session, "1400 N. broad st")] == both
    assert [p.address for p in suggest(session, "1400 north BROAD")] == both
    assert [p.address for p in suggest(session, "1400 North Broad Street")] == both
    assert {p.address for p in suggest(session, "140")} == {
        "1400 North Broad Street", "1401 N BROAD ST", "1400 South Broad Street", "1400 N Broad Stanley Ct", "1400 Market St"}
    # A street type still being typed is found in its short form, as a whole word only.
    assert [p.address for p in suggest(session, "1401 N Broad Stre")] == ["1401 N BROAD ST"]
    assert suggest(session, "b") == [] and suggest(session, "") == [] and suggest(session, "zzz") == []
    assert len(suggest(session, "14", limit=2)) == 2


def test_suggest_is_an_indexed_range_not_a_scan(session):
    from sqlalchemy import event

    _points(session, "1 Main St")
    seen = []
    engine = session.get_bind()

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)
    event.listen(engine, "before_cursor_execute", record)
    try:
        suggest(session, "1 main")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    query = next(s for s in seen if "address_point" in s)
    assert "LIKE" not in query.upper() and ">=" in query and "<" in query


def test_apply_pick_fills_address_and_point(session):
    point, = _points(session, "1400 John F Kennedy Blvd")
    form = MultiDict([("address", "1400 jfk"), ("pick_address", str(point.id)), ("description", "x"),
                      ("view_z", "3"), ("q_size", "a"), ("q_size", "b")])
    data = apply_pick(form, session)
    assert data["address"] == "1400 John F Kennedy Blvd"
    assert (data["lat"], data["lon"]) == (f"{point.lat:.6f}", f"{point.lon:.6f}")
    assert "pick_address" not in data and "view_z" not in data
    assert data["description"] == "x" and data.getlist("q_size") == ["a", "b"]
    assert apply_pick(MultiDict([("address", "x")]), session) is None
    unknown = apply_pick(MultiDict([("address", "x"), ("pick_address", "999999")]), session)
    assert unknown["address"] == "x" and "pick_address" not in unknown
    assert "lat" not in apply_pick(MultiDict([("pick_address", "'; drop")]), session)

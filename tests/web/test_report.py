"""Reporting a problem through HTTP: the flow, duplicates that join, never twice, bad input."""
import io
import re
import struct
import zlib

import pytest
from sqlmodel import func, select

from portal import db
from portal.models import CoReport, OutboxMail, ReportDraft, RequestFollower, ServiceRequest
from tests.conftest import jpeg_bytes
from tests.pages import html

FISHTOWN = {"lat": "39.9714", "lon": "-75.1300"}


def count(app, model):
    with app.app_context():
        return db.get_session().exec(select(func.count()).select_from(model)).one()


def report(client, code="pothole", files=None, **fields):
    """Post the details step; return the response."""
    data = {"address": "1200 Frankford Ave", **FISHTOWN, "description": "Deep hole", "q_size": "large", **fields}
    if files:
        data["photos"] = files
    return client.post(f"/report/{code}", data=data, content_type="multipart/form-data")


def file_report(client, **fields):
    details = report(client, **fields)
    assert details.status_code == 303, html(details)[:3000]
    review = details.headers["Location"]
    filed = client.post(review)
    assert filed.status_code == 303
    return review, filed.headers["Location"].split("?")[0]


def test_type_picker_browse_and_search(city, client):
    page = html(client.get("/report"))
    assert "Pothole" in page and "<details" in page
    found = html(client.get("/report?q=trash"))
    assert re.findall(r'href="/report/([^"]+)"', found)[0] == "rubbish-collection"
    assert re.findall(r'href="/report/([^"]+)"', html(client.get("/report?q=car")))[0] == "abandoned-vehicle"
    fragment = client.get("/report?q=bache", headers={"HX-Request": "true"})
    assert "<html" not in html(fragment) and 'href="/report/pothole"' in html(fragment)
    assert "Nothing matches" in html(client.get("/report?q=zzzz"))


def test_report_flow_anonymous_with_photo(city, client, app):
    photo = (io.BytesIO(jpeg_bytes()), "hole.jpg")
    review, page_url = file_report(client, files=[photo], name="Pat Private", email="pat@example.org",
                                   phone="215-555-0100")
    page = html(client.get(page_url))
    number = page_url.rsplit("/", 1)[1]
    assert re.fullmatch(r"\d{8}", number)
    assert f"{number[:4]}-{number[4:]}" in page and "Pothole" in page and "Fishtown" in page
    assert "Pat Private" not in page and "pat@example.org" not in page and "215-555-0100" not in page
    assert "/photos/" in page and 'loading="lazy"' in page
    with app.app_context():
        filed = db.get_session().exec(select(ServiceRequest)).one()
        assert filed.channel == "web" and filed.reporter_email == "pat@example.org"
        assert (filed.expected_at - filed.created_at).days == 5  # the pothole service level
        mail = db.get_session().exec(select(OutboxMail)).one()
    assert mail.to_addr == "pat@example.org" and number[:4] in mail.subject
    private = re.search(r"http://localhost(/track/\S+)", mail.body_text).group(1)
    private_page = html(client.get(private))
    assert "pat@example.org" in private_page and "only you and city staff" in private_page


def test_signed_in_resident_gets_details_prefilled_and_follows(city, client, make_user, signin, app):
    user, password = make_user()
    signin(client, user.email, password)
    assert f'value="{user.email}"' in html(client.get("/report/pothole"))
    _, page_url = file_report(client)
    assert "Stop following" in html(client.get(page_url))
    mine = html(client.get("/me/requests"))
    assert page_url in mine


def test_review_shows_duplicates_and_join_adds_coreporter(city, app):
    first, second = app.test_client(), app.test_client()
    _, page_url = file_report(first)
    details = report(second, lat="39.97145", lon="-75.13005", description="Same hole, I think")
    review = html(second.get(details.headers["Location"]))
    assert "Is it one of these?" in review and "m away" in review and page_url in review
    join = re.search(r'action="(/report/review/[^"]+/join/\d+)"', review).group(1)
    joined = second.post(join)
    assert joined.status_code == 303 and joined.headers["Location"] == page_url
    assert second.post(join).headers["Location"] == page_url  # a retry joins once
    assert count(app, ServiceRequest) == 1 and count(app, CoReport) == 1
    assert "1 neighbour reported this too" in html(second.get(page_url))


def test_far_away_or_other_type_is_not_a_duplicate(city, app):
    client = app.test_client()
    file_report(client)
    far = report(client, lat="39.9526", lon="-75.1652")
    assert "Is it one of these?" not in html(client.get(far.headers["Location"]))
    other = report(client, code="graffiti", q_size="", q_surface="painted_wall", q_offensive="no")
    assert "Is it one of these?" not in html(client.get(other.headers["Location"]))


def test_this_is_different_files_a_new_one(city, app):
    client = app.test_client()
    file_report(client)
    _, second = file_report(client, description="Another hole on the same block")
    assert count(app, ServiceRequest) == 2 and second


def test_submitting_twice_files_once(city, client, app):
    review, page_url = file_report(client)
    again = client.post(review)
    assert again.status_code == 303 and again.headers["Location"].split("?")[0] == page_url
    assert client.get(review).headers["Location"] == page_url
    assert count(app, ServiceRequest) == 1


def test_ten_concurrent_submits_file_exactly_one(city, app, live_server):
    import concurrent.futures
    import urllib.request
    client = app.test_client()
    details = report(client)
    review = details.headers["Location"]
    token = client.csrf_token()
    cookie = f"session={client.get_cookie('session').value}"

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)

    def post(base):
        request = urllib.request.Request(base + review, data=f"csrf_token={token}".encode(),
                                         headers={"Cookie": cookie}, method="POST")
        try:
            opener.open(request, timeout=30)
        except urllib.error.HTTPError as answer:
            return answer.code, answer.headers.get("Location")

    with live_server(app) as base, concurrent.futures.ThreadPoolExecutor(10) as pool:
        results = list(pool.map(post, [base] * 10))
    assert {code for code, _ in results} == {303}
    assert len({location.split("?")[0] for _, location in results}) == 1
    assert count(app, ServiceRequest) == 1


def _png_declaring(width, height) -> bytes:
    from PIL import Image
    buffer = io.BytesIO()
    Image.new("RGB", (1, 1)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])) & 0xFFFFFFFF)
    return bytes(data)


BAD_FIELDS = [
    ({"lat": "", "lon": "", "area": ""}, "Say where the problem is"),
    ({"lat": "91"}, "out of range"),
    ({"lat": "NaN"}, "out of range"),
    ({"lat": "1e309"}, "out of range"),
    ({"lat": "45,2"}, "Enter a number"),
    ({"lon": ""}, "Enter a number"),
    ({"lat": "40.7128", "lon": "-74.0060"}, "outside the city"),
    ({"area": "atlantis", "lat": "", "lon": ""}, "Choose one of the options"),
    ({"description": "x" * 100_000}, "too long"),
    ({"description": "nul\x00byte"}, "could not be read"),  # a NUL becomes U+FFFD at the door
    ({"description": "bell\x07char"}, "control characters"),
    ({"description": "bad \ufffd bytes"}, "could not be read"),
    ({"q_size": "enormous"}, "Choose from the options given"),
    ({"q_size": ""}, "Please answer this question"),
]


@pytest.mark.parametrize("fields, message", BAD_FIELDS)
def test_bad_fields_give_422_message_input_back_nothing_stored(city, client, app, fields, message):
    response = report(client, address="Near the <b>bakery</b>", **fields)
    page = html(response)
    assert response.status_code == 422
    assert message in page
    assert 'value="Near the &lt;b&gt;bakery&lt;/b&gt;"' in page
    assert 'aria-invalid="true"' in page and 'id="error-summary"' in page
    assert count(app, ReportDraft) == 0 and count(app, ServiceRequest) == 0


def test_number_question_with_text(city, client, app):
    response = report(client, code="no-heat", q_unit="3B", q_occupants="three", q_vulnerable="children_under_5")
    assert response.status_code == 422 and "Enter a number" in html(response)
    assert 'value="3B"' in html(response)


def test_invalid_utf8_in_form_is_refused(city, client, app):
    body = "csrf_token=" + client.csrf_token() + "&lat=39.9714&lon=-75.13&q_size=large&description=caf%FF"
    response = client.post("/report/pothole", data=body, content_type="application/x-www-form-urlencoded", csrf=False)
    assert response.status_code == 422 and count(app, ReportDraft) == 0
    assert "could not be read" in html(response)


def test_unknown_type_is_404(city, client):
    assert client.get("/report/flying-saucer").status_code == 404
    assert client.post("/report/flying-saucer", data={"lat": "39.97"}).status_code == 404


@pytest.mark.parametrize("payload, message", [
    (jpeg_bytes()[:400], "could not be read"),
    (_png_declaring(10_000, 10_000), "too many pixels"),
    (b"\xff\xd8\xff\xe0<html><script>alert(1)</script></html>", "could not be read"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "could not be read"),
])
def test_bad_photos_are_rejected_with_message(city, client, app, payload, message):
    response = report(client, files=[(io.BytesIO(payload), "photo.jpg")])
    assert response.status_code == 422 and message in html(response)
    assert 'value="1200 Frankford Ave"' in html(response)
    assert count(app, ReportDraft) == 0


def test_four_photos_are_too_many(city, client, app):
    files = [(io.BytesIO(jpeg_bytes()), f"p{i}.jpg") for i in range(4)]
    response = report(client, files=files)
    assert response.status_code == 422 and "at most 3 photos" in html(response)


def test_13mb_upload_is_413(city, client, app):
    response = report(client, files=[(io.BytesIO(b"\xff" * (13 * 1024 * 1024)), "big.jpg")])
    assert response.status_code == 413 and count(app, ReportDraft) == 0


def test_replayed_form_after_session_expired_keeps_text(city, client, app):
    response = report(client, csrf_token="expired-token", description="My long careful description")
    page = html(response)
    assert response.status_code == 422 and "form expired" in page
    assert "My long careful description" in page and count(app, ReportDraft) == 0


def test_photo_is_served_stripped_with_safe_headers(city, client, app):
    from PIL import Image
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    _, page_url = file_report(client, files=[(io.BytesIO(jpeg_bytes(exif=exif.tobytes())), "x.jpg")])
    src = re.search(r'href="(/photos/[0-9a-f]{64}\.jpg)"', html(client.get(page_url))).group(1)
    served = client.get(src)
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/jpeg"
    assert "immutable" in served.headers["Cache-Control"] and "sandbox" in served.headers["Content-Security-Policy"]
    assert b"SecretCam" not in served.data and b"Exif" not in served.data[:200]
    assert client.get("/photos/..%2F..%2Fetc%2Fpasswd.jpg").status_code == 404


def test_edit_from_review_keeps_the_draft(city, client, app):
    details = report(client, description="first words")
    review = html(client.get(details.headers["Location"]))
    edit = re.search(r'href="(/report/pothole\?draft=[^"]+)"', review).group(1).replace("&amp;", "&")
    form = html(client.get(edit))
    assert "first words" in form
    token = re.search(r'name="draft" value="([^"]+)"', form).group(1)
    again = report(client, description="better words", draft=token)
    assert again.headers["Location"].endswith(token)
    assert count(app, ReportDraft) == 1


def test_lookup_by_number_with_or_without_dash(city, client):
    _, page_url = file_report(client)
    number = page_url.rsplit("/", 1)[1]
    assert client.get(f"/requests/lookup?number={number[:4]}-{number[4:]}").headers["Location"] == page_url
    missing = client.get("/requests/lookup?number=123")
    assert missing.status_code == 303 and "No request has the number" in html(client.get("/"))

"""Photo upload processing: type sniffing, pixel-flood limits, metadata stripping, sizes, storage.

Every fixture is generated here with Pillow; no binary files are committed."""
from __future__ import annotations

import random
import struct
import time
import warnings
import zlib
from io import BytesIO

import pytest
from PIL import Image

from portal.requests.photos import (
    MAX_UPLOAD_BYTES, PhotoRejected, ProcessedPhoto, photo_path, process_photo, store_photo)

SERIAL = "SN-STOOP-0042-7781"


def noise(size, seed=1):
    """Deterministic random RGB pixels: the worst case for JPEG compression."""
    w, h = size
    return Image.frombytes("RGB", size, random.Random(seed).randbytes(w * h * 3))


def encode(im, fmt, **params) -> bytes:
    buf = BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


def header_segments(jpeg: bytes) -> bytes:
    """Everything before the first scan (SOS): where any metadata segment would live."""
    return jpeg[:jpeg.index(b"\xff\xda")]


def check_sizes(result: ProcessedPhoto):
    assert len(result.full) <= 200 * 1024
    assert len(result.thumb) <= 20 * 1024
    full, thumb = Image.open(BytesIO(result.full)), Image.open(BytesIO(result.thumb))
    assert full.format == thumb.format == "JPEG"
    assert full.size == (result.width, result.height)
    assert max(full.size) <= 1280 and max(thumb.size) <= 320
    return full, thumb


@pytest.fixture(scope="module")
def camera_jpeg() -> bytes:
    """4000x3000 landscape sensor image, Orientation=6 (display rotated 90° clockwise), with
    make/model/serial, a GPS fix, XMP and a JPEG comment: everything that must not survive."""
    im = Image.new("RGB", (4000, 3000), (30, 60, 200))
    im.paste((220, 20, 20), (0, 0, 2000, 1500))  # red top-left quadrant to track the rotation
    im = Image.blend(im, noise((4000, 3000), seed=2), 0.15)  # some sensor-like texture
    exif = Image.Exif()
    exif[0x010F] = "StoopCam"
    exif[0x0110] = "Model X1"
    exif[0xA431] = SERIAL  # BodySerialNumber
    exif[0x0112] = 6
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (39.0, 57.0, 9.36), 3: "W", 4: (75.0, 9.0, 54.0), 0x12: "WGS-84"})
    data = encode(im, "JPEG", quality=92, exif=exif.tobytes(), comment=SERIAL,
                  xmp=f"<x:xmpmeta><tiff:BodySerialNumber>{SERIAL}</tiff:BodySerialNumber>"
                      "</x:xmpmeta>".encode())
    # Sanity: the input really carries what we expect to be stripped.
    source = Image.open(BytesIO(data))
    assert source.getexif()[0x0112] == 6 and source.getexif().get_ifd(0x8825)[0x12] == "WGS-84"
    assert SERIAL.encode() in data and b"WGS-84" in data
    return data


def test_camera_photo_is_rotated_resized_and_stripped(camera_jpeg):
    result = process_photo(camera_jpeg)
    full, thumb = check_sizes(result)
    assert full.size == (960, 1280)  # portrait: orientation 6 applied, long side 1280
    assert thumb.size == (240, 320)
    # Orientation 6 turns the stored top-left corner into the displayed top-right corner.
    red, green, blue = full.convert("RGB").getpixel((full.width - 100, 100))
    assert red > 150 and blue < 100
    red, green, blue = full.convert("RGB").getpixel((100, 100))
    assert blue > 150 and red < 100
    for out, image in ((result.full, full), (result.thumb, thumb)):
        assert not image.getexif()
        assert not {"exif", "xmp", "icc_profile", "comment"} & image.info.keys()
        for secret in (b"Exif", SERIAL.encode(), b"StoopCam", b"Model X1", b"WGS-84", b"xmpmeta"):
            assert secret not in out
        # b"GPS" is 3 bytes, so it can occur by chance in entropy-coded data; check metadata.
        assert b"GPS" not in header_segments(out)
    print(f"\ncamera 4000x3000: full {len(result.full)} B {full.size}, "
          f"thumb {len(result.thumb)} B {thumb.size}")


def test_noisy_photo_still_fits_the_budget():
    result = process_photo(encode(noise((3000, 2000)), "JPEG", quality=90))
    full, thumb = check_sizes(result)
    assert full.width > full.height
    print(f"\nnoise 3000x2000: full {len(result.full)} B {full.size}, "
          f"thumb {len(result.thumb)} B {thumb.size}")


def test_incompressible_photo_is_shrunk_until_it_fits():
    result = process_photo(encode(noise((1280, 960), seed=3), "PNG"))
    full, thumb = check_sizes(result)
    assert full.size == (1024, 768)  # no quality step fits at 1280: one 0.8 shrink
    assert thumb.size == (320, 240)


def test_transparent_png_is_flattened_onto_white():
    im = Image.new("RGBA", (600, 400), (0, 0, 0, 0))
    im.paste((0, 128, 0, 255), (0, 0, 300, 400))
    result = process_photo(encode(im, "PNG"))
    full, _ = check_sizes(result)
    assert full.mode == "RGB" and full.size == (600, 400)
    assert min(full.getpixel((550, 200))) > 240  # was transparent: now white, not black
    assert full.getpixel((100, 200))[1] > 100


def test_palette_png_with_transparency_is_accepted():
    im = Image.new("P", (50, 50), 0)
    im.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    im.paste(1, (0, 0, 25, 50))
    result = process_photo(encode(im, "PNG", transparency=0))
    assert min(Image.open(BytesIO(result.full)).convert("RGB").getpixel((40, 25))) > 240


def test_webp_is_accepted_and_small_images_are_not_upscaled():
    result = process_photo(encode(noise((200, 150)), "WEBP", quality=80))
    full, thumb = check_sizes(result)
    assert full.size == thumb.size == (200, 150)


def crafted_png(width: int, height: int) -> bytes:
    """A real 1x1 PNG whose IHDR (with a valid CRC) claims width x height."""
    data = bytearray(encode(Image.new("RGB", (1, 1)), "PNG"))
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


@pytest.fixture
def babel_app():
    """Only to render lazy_gettext messages; processing itself needs no app."""
    from flask import Flask
    from flask_babel import Babel

    app = Flask(__name__)
    Babel(app)
    with app.app_context():
        yield app


@pytest.mark.parametrize("side", [7000, 10000, 20000])  # ours only, Pillow warning, Pillow error
@pytest.mark.parametrize("warnings_are_errors", [False, True])
def test_pixel_flood_is_refused_before_decoding(side, warnings_are_errors, babel_app):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("error" if warnings_are_errors else "ignore")
        with pytest.raises(PhotoRejected) as caught:
            process_photo(crafted_png(side, side))
    assert time.perf_counter() - start < 1
    assert "40 megapixels" in str(caught.value.message)


def valid_jpeg() -> bytes:
    return encode(noise((640, 480)), "JPEG", quality=85)


@pytest.mark.parametrize("data", [
    pytest.param(valid_jpeg()[: len(valid_jpeg()) // 2], id="truncated-jpeg"),
    pytest.param(b"\xff\xd8\xff\xe0" + b"<html><script>alert(1)</script></html>", id="html-jpeg-magic"),
    pytest.param(b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', id="svg"),
    pytest.param(b"<!doctype html><html><body>hi</body></html>", id="html"),
    pytest.param(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", id="pdf"),
    pytest.param(encode(Image.new("RGB", (20, 20), "red"), "GIF"), id="gif"),
    pytest.param(encode(Image.new("RGB", (20, 20), "red"), "BMP"), id="bmp"),
    pytest.param(b"just some text", id="text"),
    pytest.param(b"", id="empty"),
    pytest.param(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, id="png-magic-garbage"),
])
def test_non_photos_are_rejected(data):
    with pytest.raises(PhotoRejected):
        process_photo(data)


def test_oversized_upload_is_rejected_before_decoding():
    too_big = valid_jpeg() + b"\x00" * (11 * 1024 * 1024)
    assert len(too_big) > MAX_UPLOAD_BYTES
    with pytest.raises(PhotoRejected):
        process_photo(too_big)


def test_rejection_messages_are_user_facing_text(babel_app):
    with pytest.raises(PhotoRejected) as caught:
        process_photo(b"not an image")
    assert isinstance(caught.value, ValueError)
    assert "JPEG, PNG or WebP" in str(caught.value.message) and str(caught.value)
    with pytest.raises(PhotoRejected) as caught:
        process_photo(b"\x00" * (MAX_UPLOAD_BYTES + 1))
    assert "10 MB" in str(caught.value.message)


def test_store_photo_writes_both_files_atomically_and_idempotently(tmp_path):
    photo = process_photo(valid_jpeg())
    assert store_photo(tmp_path, photo) == photo.digest
    full, thumb = photo_path(tmp_path, photo.digest), photo_path(tmp_path, photo.digest, thumb=True)
    assert full == tmp_path / photo.digest[:2] / f"{photo.digest}.jpg"
    assert thumb == tmp_path / photo.digest[:2] / f"{photo.digest}.thumb.jpg"
    assert full.read_bytes() == photo.full and thumb.read_bytes() == photo.thumb
    assert store_photo(str(tmp_path), photo) == photo.digest  # again: no error, same result
    assert sorted(p.name for p in full.parent.iterdir()) == sorted([full.name, thumb.name])


@pytest.mark.parametrize("digest", [
    "../../etc/passwd", "A" * 64, "a" * 63, "a" * 65, "", "a" * 64 + "\n", "../" + "a" * 61,
    "g" * 64, None,
])
def test_photo_path_refuses_anything_but_a_sha256_hex_digest(tmp_path, digest):
    with pytest.raises(ValueError):
        photo_path(tmp_path, digest)
    with pytest.raises(ValueError):
        store_photo(tmp_path, ProcessedPhoto(b"x", b"y", 1, 1, digest))
    assert not any(tmp_path.iterdir())

"""Resident photo uploads: decode untrusted bytes safely, strip all metadata, re-encode small JPEGs.

Nothing from the upload is kept except its pixels: the type comes from decoding (never the
filename or client MIME type), and the output is a fresh JPEG so EXIF/GPS/XMP/ICC/comments
(a resident's home location, camera serial) and polyglot payloads cannot survive.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageFile, ImageOps

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
FULL_SIDE, FULL_BYTES = 1280, 200 * 1024
THUMB_SIDE, THUMB_BYTES = 320, 20 * 1024
QUALITIES = (82, 72, 62, 52, 42)
FORMATS = ["JPEG", "PNG", "WEBP"]

try:  # HEIC (iPhone default) only if the optional plugin is already installed.
    from pillow_heif import register_heif_opener

    register_heif_opener()
    FORMATS.append("HEIF")
except ImportError:
    pass

# Truncated uploads must fail rather than decode to half-grey images.
ImageFile.LOAD_TRUNCATED_IMAGES = False
_DIGEST = re.compile(r"[0-9a-f]{64}")


class PhotoRejected(ValueError):
    """message: a lazy-translatable user-facing string (flask_babel.lazy_gettext)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ProcessedPhoto:
    full: bytes
    thumb: bytes
    width: int
    height: int
    digest: str  # sha256 hex of `full`


def _decode(data: bytes) -> Image.Image:
    unreadable = _l("This photo could not be read. Please send a JPEG, PNG or WebP photo.")
    too_many_pixels = _l("This image has too many pixels (at most 40 megapixels).")
    if not data:
        raise PhotoRejected(unreadable)
    try:
        im = Image.open(BytesIO(data), formats=FORMATS)
        # Header-only so far: refuse pixel floods before allocating or decoding anything.
        if im.size[0] * im.size[1] > MAX_PIXELS:
            raise PhotoRejected(too_many_pixels)
        if im.format in ("JPEG", "MPO"):  # let libjpeg decode at 1/2, 1/4... scale: far less memory and time
            im.draft("RGB", (FULL_SIDE, FULL_SIDE))
        im.load()  # full decode now, so truncated or corrupt data fails here
        im = ImageOps.exif_transpose(im)  # bake orientation in: the EXIF tag is about to go
        if "A" in im.getbands() or "transparency" in im.info:
            rgba = im.convert("RGBA")
            im = Image.new("RGB", rgba.size, "white")
            im.paste(rgba, mask=rgba.getchannel("A"))
        else:
            im = im.convert("RGB")
    except PhotoRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own (laxer) bomb check fires inside Image.open, before ours can run;
        # the warning is an exception when warnings are configured as errors.
        raise PhotoRejected(too_many_pixels) from None
    except Exception:  # noqa: BLE001 - hostile input can make any decoder raise anything
        # (OSError/UnidentifiedImageError, SyntaxError, ValueError, EOFError, struct.error,
        # MemoryError...): all mean "not a photo we take", never a 500.
        raise PhotoRejected(unreadable) from None
    im.info = {}  # Pillow's JPEG writer would carry a JPEG COM comment across from here
    return im


def _encode(im: Image.Image, side: int, limit: int) -> tuple[bytes, Image.Image]:
    """Smallest effort that fits: lower quality first, then shrink by 0.8 and try again."""
    while True:
        small = im.copy()
        small.thumbnail((side, side), Image.Resampling.LANCZOS)  # never upscales
        for quality in QUALITIES:
            buf = BytesIO()
            # No exif/icc_profile/xmp/comment arguments: the output carries pixels only.
            small.save(buf, "JPEG", quality=quality, optimize=True, progressive=True)
            if buf.tell() <= limit or max(small.size) <= 16:
                return buf.getvalue(), small
        side = max(16, int(max(small.size) * 0.8))


def process_photo(data: bytes) -> ProcessedPhoto:
    if len(data) > MAX_UPLOAD_BYTES:  # before any parsing
        raise PhotoRejected(_l("This photo is too large: at most 10 MB."))
    im = _decode(bytes(data))
    full, full_im = _encode(im, FULL_SIDE, FULL_BYTES)
    thumb, _ = _encode(full_im, THUMB_SIDE, THUMB_BYTES)
    return ProcessedPhoto(full=full, thumb=thumb, width=full_im.width, height=full_im.height,
                          digest=hashlib.sha256(full).hexdigest())


def photo_path(upload_dir, digest: str, *, thumb: bool = False) -> Path:
    """Only a 64-char lowercase hex digest is accepted, so '../x' can never escape upload_dir."""
    if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
        raise ValueError("photo digest must be 64 lowercase hex characters")
    return Path(upload_dir) / digest[:2] / (digest + (".thumb.jpg" if thumb else ".jpg"))


def store_photo(upload_dir: str | Path, photo: ProcessedPhoto) -> str:
    """Write full and thumb under upload_dir/<digest[:2]>/; atomic and idempotent. Returns digest."""
    for thumb, content in ((False, photo.full), (True, photo.thumb)):
        target = photo_path(upload_dir, photo.digest, thumb=thumb)
        if target.exists():  # content-addressed: same name means same bytes
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        # Temp file in the same directory so os.replace is an atomic rename: readers never
        # see a half-written photo, and concurrent identical uploads just overwrite each other.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o644)  # mkstemp makes 0600; a front-end server may serve these
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return photo.digest

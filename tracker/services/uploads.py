"""Checking an evidence file by its content before it is stored (issue 18).

What a file is comes from its bytes (``filetype``), never from its name or the
browser's word; the name only has to agree with the content. Accepted: PDF, JPEG,
PNG, Office documents without macros (docx, xlsx, pptx) and CSV. Refused: SVG and
HTML (they carry scripts), macro-enabled Office files (a ``vbaProject.bin`` part or a
macro-enabled content type, whatever the name says), the old binary Office formats
(.doc, .xls, .ppt: macros in them cannot be told apart without parsing OLE, so the
person is asked for the modern format or a PDF), and anything else.

Images are decoded under a pixel limit (against decompression bombs) and re-encoded
without their metadata, so GPS and other location tags never reach the database; a
small JPEG thumbnail is made from the same pixels. Pure: bytes in, checked file out.
``filetype`` and Pillow are imported by the first check, not when the app starts
(commands start without them, issue 15).
"""

from __future__ import annotations

import csv
import hashlib
import io
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass

from flask_babel import gettext

from ..formatting import format_number

# A 24-megapixel phone photo passes; a crafted image claiming more is refused unread.
MAX_PIXELS = 25_000_000
THUMBNAIL_SIZE = (320, 320)
MAX_NAME = 200
MAX_FILES_PER_UPDATE = 10
DEFAULT_MAX_MB = 10
# What [Content_Types].xml may weigh before we stop reading it (it is a few kB).
_MAX_CONTENT_TYPES = 1_000_000

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
CSV = "text/csv"
# Content type -> the name endings that may claim it.
ALLOWED: dict[str, tuple[str, ...]] = {
    PDF: (".pdf",),
    JPEG: (".jpg", ".jpeg"),
    PNG: (".png",),
    DOCX: (".docx",),
    XLSX: (".xlsx",),
    PPTX: (".pptx",),
    CSV: (".csv",),
}
OLD_OFFICE = {"application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint"}
IMAGES = {JPEG, PNG}
# Short words for the history and exports.
TYPE_WORDS = {
    PDF: "PDF",
    JPEG: "JPEG",
    PNG: "PNG",
    DOCX: "Word",
    XLSX: "Excel",
    PPTX: "PowerPoint",
    CSV: "CSV",
}


class UploadRefused(ValueError):
    """A file that cannot be attached; the message names it and says why."""


@dataclass(frozen=True)
class Upload:
    """A file as received: its name, its bytes (read up to ``limit`` + 1) and the limit."""

    name: str
    data: bytes
    limit: int = DEFAULT_MAX_MB * 1024 * 1024


@dataclass(frozen=True)
class CheckedFile:
    """A file fit to store: the content type found in its bytes, and what is kept."""

    name: str
    content_type: str
    data: bytes
    sha256: str
    thumbnail: bytes | None = None

    @property
    def size(self) -> int:
        return len(self.data)


def describe_size(size: int) -> str:
    """1234567 -> '1.2 MB', 2048 -> '2 kB', 10 -> '10 bytes' (decimal units, as people say)."""
    if size >= 1_000_000:
        return f"{format_number(round(size / 1_000_000, 1))} MB"
    if size >= 1_000:
        return f"{format_number(round(size / 1_000))} kB"
    return gettext("%(count)s bytes", count=format_number(size))


def clean_name(name: str) -> str:
    """The last part of the name a browser sent, without control characters, at most 200."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    if len(base) > MAX_NAME:
        stem, dot, ending = base.rpartition(".")
        base = (stem[: MAX_NAME - len(ending) - 1] + dot + ending) if dot else base[:MAX_NAME]
    return base or "file"


def check_upload(upload: Upload) -> CheckedFile:
    """The file as it will be stored, or ``UploadRefused`` saying why not."""
    name = clean_name(upload.name)
    if not upload.data:
        raise UploadRefused(gettext("%(name)s is empty.", name=name))
    if len(upload.data) > upload.limit:
        raise UploadRefused(
            gettext(
                "%(name)s is larger than %(limit)s MB, the limit for one file.",
                name=name,
                limit=format_number(upload.limit // (1024 * 1024)),
            )
        )
    content_type = _content_type(name, upload.data)
    if not name.lower().endswith(ALLOWED[content_type]):
        raise UploadRefused(
            gettext(
                "The content of %(name)s is a %(kind)s file, which its name does not say. "
                "Attach it under a name ending in %(ending)s.",
                name=name,
                kind=TYPE_WORDS[content_type],
                ending=ALLOWED[content_type][0],
            )
        )
    data, thumbnail = upload.data, None
    if content_type in IMAGES:
        data, thumbnail = _clean_image(name, upload.data, content_type)
    return CheckedFile(name, content_type, data, hashlib.sha256(data).hexdigest(), thumbnail)


def _content_type(name: str, data: bytes) -> str:
    """The allowed type the bytes are, or the refusal that fits what they are."""
    if _looks_like_markup(data) or name.lower().endswith((".svg", ".svgz", ".html", ".htm")):
        raise UploadRefused(
            gettext(
                "%(name)s is an SVG or HTML file; these can carry scripts and are not "
                "accepted. Attach a PDF or a picture (JPEG, PNG) instead.",
                name=name,
            )
        )
    import filetype

    kind = filetype.guess(data)
    mime = kind.mime if kind is not None else None
    if mime in OLD_OFFICE:
        raise UploadRefused(
            gettext(
                "%(name)s is in an old Office format (.doc, .xls, .ppt), whose macros cannot "
                "be checked. Save it as .docx, .xlsx, .pptx or PDF and attach that.",
                name=name,
            )
        )
    if mime in (DOCX, XLSX, PPTX):
        _refuse_macros(name, data)
        return mime
    if mime in ALLOWED:
        return mime
    if mime is None and name.lower().endswith(".csv") and _is_csv(data):
        return CSV
    raise UploadRefused(
        gettext(
            "%(name)s is not a file that can be attached here: PDF, JPEG, PNG, Office "
            "documents without macros (.docx, .xlsx, .pptx) or CSV.",
            name=name,
        )
    )


def _looks_like_markup(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"<") and any(
        tag in head for tag in (b"<svg", b"<html", b"<!doctype", b"<?xml", b"<script", b"<body")
    )


def _refuse_macros(name: str, data: bytes) -> None:
    """A macro-enabled Office file under any name: a VBA part or a macroEnabled type."""
    refused = UploadRefused(
        gettext(
            "%(name)s contains macros, which are not accepted. Save it without macros "
            "(.docx, .xlsx, .pptx) or as PDF and attach that.",
            name=name,
        )
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [info.filename.lower() for info in archive.infolist()]
            if any("vbaproject" in n or "vbadata" in n for n in names):
                raise refused
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > _MAX_CONTENT_TYPES:
                raise refused
            types = archive.read(info).lower()
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError):
        raise UploadRefused(gettext("%(name)s is a damaged Office file.", name=name)) from None
    if b"macroenabled" in types or b"vbaproject" in types:
        raise refused


def _is_csv(data: bytes) -> bool:
    """UTF-8 text without NUL or control characters that the csv module reads."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    if any(unicodedata.category(c) == "Cc" and c not in "\r\n\t" for c in text):
        return False
    try:
        for _row in csv.reader(io.StringIO(text[:100_000])):
            pass
    except csv.Error:
        return False
    return True


def _clean_image(name: str, data: bytes, content_type: str) -> tuple[bytes, bytes]:
    """The image re-encoded without metadata (EXIF, GPS, XMP, text), and its thumbnail."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    unreadable = UploadRefused(gettext("%(name)s could not be read as an image.", name=name))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                width, height = opened.size
                if width * height > MAX_PIXELS:
                    raise _too_many_pixels(name)
                opened.load()
                # The orientation tag goes with the metadata: turn the pixels instead.
                image = ImageOps.exif_transpose(opened)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(name) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise unreadable from None
    cleaned = io.BytesIO()
    if content_type == JPEG:
        if image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
        image.save(cleaned, format="JPEG", quality=90, optimize=True)
    else:
        image.save(cleaned, format="PNG", optimize=True)
    thumbnail = image.copy()
    thumbnail.thumbnail(THUMBNAIL_SIZE)
    if thumbnail.mode != "RGB":
        thumbnail = thumbnail.convert("RGB")
    small = io.BytesIO()
    thumbnail.save(small, format="JPEG", quality=80)
    return cleaned.getvalue(), small.getvalue()


def _too_many_pixels(name: str) -> UploadRefused:
    return UploadRefused(
        gettext(
            "%(name)s has more pixels than %(limit)s million; make the picture smaller "
            "and attach it again.",
            name=name,
            limit=format_number(MAX_PIXELS // 1_000_000),
        )
    )

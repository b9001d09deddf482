"""A mail as the transports hand it over: its envelope and its bytes, built once."""

from __future__ import annotations

import base64
import functools
import random
import re
import secrets
from dataclasses import dataclass
from email import policy
from email.utils import formatdate, parseaddr
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from . import MailSettings


@dataclass(frozen=True)
class OutgoingMail:
    """A message ready to hand over: its envelope and its bytes (CRLF lines), built once.

    The transports hand these bytes over as they are (SMTP ``sendmail``, a file write):
    flattening an ``EmailMessage`` through the default policy's header objects cost
    more than composing the mail itself (about 25 ms for a 30-action reminder).
    """

    message_id: str
    envelope_from: str
    recipients: tuple[str, ...]
    data: bytes

    def as_bytes(self) -> bytes:
        return self.data


_HEADER_POLICY = policy.SMTP  # CRLF, folded at 78 as EmailMessage would
_PLAIN_HEADER = re.compile(r"[ -~]*")  # printable ASCII: written as it is when short


@functools.lru_cache(maxsize=512)
def _folded(name: str, value: str) -> bytes:
    """``Name: value`` as the default policy writes it (RFC 2047 words, folding); cached,
    as the sender and a run's repeated subjects recur."""
    return _HEADER_POLICY.fold_binary(name, _HEADER_POLICY.header_store_parse(name, value)[1])


def _header(name: str, value: str, *, address: bool = False) -> bytes:
    line = f"{name}: {value}"
    plain = len(line) <= 78 and "=?" not in value and _PLAIN_HEADER.fullmatch(value) is not None
    if plain and not (address and any(c in value for c in '"(),:;<>[\\]')):
        return line.encode("ascii") + b"\r\n"
    return _folded(name, value)  # raises ValueError on CR or LF, as EmailMessage does


def _part_body(text: str) -> tuple[str, bytes]:
    """(transfer encoding, body) of a UTF-8 text: 7bit or 8bit while every line fits
    the 998-octet limit (the plain bytes: cheapest to write, send and receive), base64
    otherwise."""
    encoded = text.encode("utf-8")
    if b"\r" in encoded:
        lines = encoded.splitlines()
        body = b"\r\n".join(lines) + b"\r\n"  # text in its canonical form: CRLF line ends
    else:  # the same, for the usual text with LF ends only, without a list of its lines
        lines = encoded.split(b"\n")
        body = encoded.replace(b"\n", b"\r\n")
        body += b"" if body.endswith(b"\r\n") else b"\r\n"
    if max(map(len, lines), default=0) <= 998:
        return ("7bit" if body.isascii() else "8bit"), body
    return "base64", base64.encodebytes(body).replace(b"\n", b"\r\n")


def _part(subtype: str, text: str) -> tuple[bytes, bytes]:
    encoding, body = _part_body(text)
    head = (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        f"Content-Transfer-Encoding: {encoding}\r\n"
    )
    return head.encode("ascii"), body


def build_message(
    settings: MailSettings,
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None,
    message_id: str,
) -> OutgoingMail:
    """A multipart (plain text, then HTML) message with the given Message-ID, as bytes."""
    head = b"".join(
        (
            _header("From", settings.sender, address=True),
            _header("To", to, address=True),
            _header("Subject", subject),
            _header("Date", formatdate(localtime=False, usegmt=True)),
            _header("Message-ID", message_id),
            b"Auto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\n",
        )
    )
    parts = [_part("plain", text)] + ([_part("html", html)] if html else [])
    if len(parts) == 1:
        data = head + parts[0][0] + b"\r\n" + parts[0][1]
    else:
        boundary = _boundary(parts)
        delimiter = b"--" + boundary.encode("ascii")
        data = head + (
            f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"\r\n\r\n'
        ).encode("ascii")
        # The CRLF before a delimiter belongs to it (RFC 2046), not to the part's body.
        for number, (part_head, body) in enumerate(parts):
            data += (b"\r\n" if number else b"") + delimiter + b"\r\n" + part_head + b"\r\n" + body
        data += b"\r\n" + delimiter + b"--\r\n"
    return OutgoingMail(message_id, _envelope_from(settings.sender), (to,), data)


@functools.lru_cache(maxsize=8)
def _envelope_from(sender: str) -> str:
    """The sender's address (``parseaddr``: a few dozen Python calls), once per sender."""
    return parseaddr(sender)[1]


# Boundaries need to be unlikely in the text, not unguessable: drawn without a system call
# (``secrets`` reads the kernel's, which lets another thread of a delivery run take the
# interpreter each time).
_RANDOM = random.Random(secrets.randbits(128))


def _boundary(parts: list[tuple[bytes, bytes]]) -> str:
    """A boundary that occurs in no part (as the stdlib's generator makes sure too)."""
    while True:
        boundary = "===============" + f"{_RANDOM.getrandbits(80):020x}" + "=="
        if not any(boundary.encode("ascii") in body for _, body in parts):
            return boundary

"""Outgoing mail: one way to render and build a message, one ``send`` function,
pluggable transports.

Every mail's body comes from ``templates/email/NAME.txt`` and ``NAME.html`` through
``render_mail``, whoever composes it (reminders, invitations, password resets).
Nothing here decides *what* to send: the outbox (``tracker.reminders.delivery``) calls
``send`` after its database work is committed. With no ``MAIL_HOST`` configured, the
file transport writes each message as an ``.eml`` file into ``OUTBOX_DIR``
(``instance/outbox/``), named after its Message-ID so that a second delivery of the
same message overwrites the first instead of adding a copy.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import os
import smtplib
import ssl
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import Any, Protocol

import markupsafe
from jinja2 import Template, pass_eval_context
from markupsafe import Markup, escape
from sqlmodel import Session

from ..models import MessageKind, OutboxMessage, User
from .message import OutgoingMail, build_message

__all__ = [
    "FileTransport",
    "MailError",
    "MailSettings",
    "OutgoingMail",
    "SMTPTransport",
    "Transport",
    "build_message",
    "make_message_id",
    "queue_mail",
    "render_mail",
    "send",
    "transport_for",
]


class MailError(RuntimeError):
    """The transport could not hand the message over; the message says why."""


@dataclass(frozen=True)
class MailSettings:
    host: str | None
    port: int
    security: str
    username: str | None
    password: str | None
    sender: str
    timeout: float
    outbox_dir: str
    base_url: str
    # The language of mail to people who chose none (TRACKER_DEFAULT_LOCALE, issue 12).
    default_locale: str = "en"
    # Relays that throttle: at most this many messages a minute (0: unlimited).
    max_per_minute: int = 0
    # How long one delivery run may go on before leaving the rest to the next tick.
    delivery_seconds: float = 240.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings:
        security = str(config.get("MAIL_SECURITY") or "none").lower()
        if security not in {"none", "starttls", "ssl"}:
            raise MailError(f"MAIL_SECURITY must be none, starttls or ssl, not {security!r}")
        return cls(
            host=config.get("MAIL_HOST") or None,
            port=int(config.get("MAIL_PORT") or (465 if security == "ssl" else 25)),
            security=security,
            username=config.get("MAIL_USERNAME") or None,
            password=config.get("MAIL_PASSWORD") or None,
            sender=config.get("MAIL_FROM") or "tracker <tracker@localhost>",
            timeout=float(config.get("MAIL_TIMEOUT") or 20),
            outbox_dir=str(config.get("OUTBOX_DIR") or "instance/outbox"),
            base_url=str(config.get("BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
            default_locale=str(config.get("DEFAULT_LOCALE") or "en"),
            max_per_minute=int(config.get("MAIL_MAX_PER_MINUTE") or 0),
            delivery_seconds=float(config.get("MAIL_DELIVERY_SECONDS") or 240),
        )

    def language_for(self, stored: str | None) -> str:
        """A recipient's mail language: their own if it still has a catalogue, else the default."""
        from ..languages import available_languages

        return stored if stored and stored in available_languages() else self.default_locale

    @property
    def domain(self) -> str:
        """The sender's domain, used to make Message-IDs."""
        address = parseaddr(self.sender)[1]
        return address.rpartition("@")[2] or "localhost"


def make_message_id(seed: str, domain: str) -> str:
    """A Message-ID that depends only on ``seed``: the same message, the same identity."""
    return f"<{hashlib.sha256(seed.encode()).hexdigest()[:32]}@{domain}>"


def render_mail(template: str, **context: Any) -> tuple[str, str]:
    """(text, html) of the mail ``templates/email/<template>.txt|.html`` with ``context``,
    in the current locale (``force_locale``)."""
    environment = _mail_environment()
    return (
        environment.get_template(f"email/{template}.txt").render(context),
        environment.get_template(f"email/{template}.html").render(context),
    )


def compile_mail(template: str) -> None:
    """Compile ``render_mail``'s two templates for the current locale ahead of the first
    mail (each locale's environment keeps its own compiled copies)."""
    environment = _mail_environment()
    for suffix in ("txt", "html"):
        environment.get_template(f"email/{template}.{suffix}")


def _mail_environment() -> Any:
    """The app's Jinja environment for mail in the current locale: an overlay (same
    loader, filters, globals) whose ``_``/``ngettext`` are bound to that locale's
    catalogue and whose ``day`` and ``number`` filters remember what they wrote.

    Through Flask-Babel each ``_()`` in a template looked up the locale and its
    catalogue again (a dozen context-local reads): about half of a reminder's render.
    Mail templates use no request, session or signed-in user, so Flask's context
    processors are not needed either. One overlay per app and locale, kept on the app.
    """
    from flask import current_app
    from flask_babel import get_locale, get_translations

    environments = current_app.extensions.setdefault("tracker_mail_environments", {})
    locale = str(get_locale())
    environment: Any = environments.get(locale)
    if environment is None:
        base = current_app.jinja_env
        environment = base.overlay(cache_size=64)
        environment.template_class = _MailTemplate
        environment.globals = dict(base.globals)  # the overlay would share them
        environment.filters = dict(base.filters)
        for name in ("day", "number"):
            if name in base.filters:
                environment.filters[name] = functools.lru_cache(maxsize=4096, typed=True)(
                    base.filters[name]
                )
        environment.globals.update(_bound_gettext(get_translations()))
        environments[locale] = environment
    return environment


_new_str = str.__new__
# MarkupSafe 3's C escaping of a str, under the Python ``escape`` that wraps it (2.x's
# ``escape`` is all C: nothing to gain there).
_escape_inner = getattr(markupsafe, "_escape_inner", None)


def _escape(value: Any, /) -> Markup:
    """``markupsafe.escape`` with the same result, made cheaper for what a mail outputs
    most: a plain ``str`` (its ``Markup`` made without ``Markup.__new__``, a Python call)
    and a ``Markup`` (returned as it is, not copied). A reminder's HTML outputs 16 values
    an action and ``escape`` was a third of its rendering."""
    kind = type(value)
    if kind is str and _escape_inner is not None:
        return _new_str(Markup, _escape_inner(value))
    if kind is Markup:
        return value
    return escape(value)


class _MailTemplate(Template):
    """A mail template whose ``{{ }}`` escape with ``_escape``: a compiled template calls
    the ``escape`` of its own namespace (``from jinja2.runtime import escape``), so this
    sets that name in each mail template's namespace, and no page's. Should Jinja stop
    looking the name up there, this changes nothing and the output is the same."""

    @classmethod
    def from_code(cls, environment: Any, code: Any, globals: Any, uptodate: Any = None) -> Template:
        template = super().from_code(environment, code, globals, uptodate)
        # A dict, not the ChainMap over the environment's: each render copies them, and
        # a ChainMap's copy looks every name up in Python (a third of a short mail's
        # render). A mail environment's globals are all set before its first template.
        template.globals = dict(template.globals)
        namespace = template.root_render_func.__globals__
        if namespace.get("escape") is escape:
            namespace["escape"] = _escape
        return template


def _bound_gettext(translations: Any) -> dict[str, Any]:
    """``gettext`` and ``ngettext`` for templates, bound to one catalogue, with the i18n
    extension's "newstyle" meaning (as Flask-Babel installs them): escaped when
    autoescaping, always %-formatted with the keywords, ``num`` given to ``ngettext``.
    (The environment's ``install_gettext_translations`` would install them in the
    environment the overlay was made from, every page's.)"""

    # A text without values, by (text, autoescaping): a mail's headings and labels, the
    # same in every mail, worked out once (a lookup, a Markup and a % each time).
    constant: dict[tuple[str, bool], str] = {}

    @pass_eval_context
    def gettext(eval_ctx: Any, string: str, /, **variables: Any) -> str:
        if not variables:
            key = (string, eval_ctx.autoescape)
            found = constant.get(key)
            if found is None:
                found = constant[key] = _formatted(translations.ugettext(string), key[1], {})
            return found
        return _formatted(translations.ugettext(string), eval_ctx.autoescape, variables)

    @pass_eval_context
    def ngettext(
        eval_ctx: Any, singular: str, plural: str, number: int, /, **variables: Any
    ) -> str:
        variables.setdefault("num", number)
        text = translations.ungettext(singular, plural, number)
        return _formatted(text, eval_ctx.autoescape, variables)

    # ``_`` is the i18n extension's alias that looks ``gettext`` up again on every call.
    return {"gettext": gettext, "ngettext": ngettext, "_": gettext}


def _formatted(text: str, autoescape: bool, variables: dict[str, Any]) -> str:
    # A catalogue's own text, as the i18n extension marks it: the values are escaped.
    return (Markup(text) if autoescape else text) % variables  # noqa: S704


def queue_mail(
    session: Session,
    user: User,
    *,
    kind: MessageKind,
    message_id: str,
    subject: str,
    text: str,
    html: str,
    now: dt.datetime,
) -> OutboxMessage:
    """Put one mail whose body is ready now (account mail, a token's expiry) in the outbox
    for ``user``; the outbox sends it after the caller's commit."""
    message = OutboxMessage(
        message_id=message_id,
        kind=kind,
        recipient_user_id=user.id,
        recipient_email=user.email,
        subject=subject,
        body_text=text,
        body_html=html,
        next_attempt_at=now,
        planned_at=now,
    )
    session.add(message)
    session.flush()
    return message


class Transport(Protocol):
    def send(self, message: OutgoingMail) -> None: ...

    def close(self) -> None: ...


class SMTPTransport:
    """SMTP with a timeout, optional STARTTLS or implicit TLS, and optional login.

    The connection is opened on the first message and kept for the next ones until
    ``close``; a failed message closes it, so the next one starts on a fresh connection.
    """

    def __init__(self, settings: MailSettings) -> None:
        assert settings.host
        self.settings = settings
        self.client: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        assert s.host
        if s.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            if s.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if s.username:
                client.login(s.username, s.password or "")
            client.ehlo_or_helo_if_needed()
        except BaseException:
            client.close()
            raise
        return client

    def send(self, message: OutgoingMail) -> None:
        try:
            if self.client is None:
                self.client = self._connect()
            self.client.sendmail(
                message.envelope_from, list(message.recipients), message.data,
                self._options(message),
            )  # fmt: skip
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            raise MailError(f"{type(exc).__name__}: {exc}") from exc

    def _options(self, message: OutgoingMail) -> list[str]:
        """The MAIL options ``send_message`` would give: 8BITMIME for 8-bit bodies when the
        server offers it, SMTPUTF8 for a non-ASCII address."""
        assert self.client is not None
        options = []
        if self.client.has_extn("8bitmime") and not message.data.isascii():
            options.append("BODY=8BITMIME")
        if not all(a.isascii() for a in (message.envelope_from, *message.recipients)):
            options.append("SMTPUTF8")
        return options

    def _drop(self) -> None:
        if self.client is not None:
            try:
                self.client.close()
            finally:
                self.client = None

    def close(self) -> None:
        """End the session politely (QUIT), whatever the server answers."""
        if self.client is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.client.quit()
            self._drop()


class FileTransport:
    """Writes ``<digest>.eml`` files: what would have been sent, readable with any mail tool."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def send(self, message: OutgoingMail) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        identity = message.message_id.strip("<>")
        name = hashlib.sha256(identity.encode()).hexdigest()[:24] + ".eml"
        # Write then rename, so a reader never sees half a message.
        fd, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(message.as_bytes())
            os.replace(temporary, self.directory / name)
        except OSError as exc:
            Path(temporary).unlink(missing_ok=True)
            raise MailError(f"cannot write {self.directory / name}: {exc}") from exc

    def close(self) -> None:
        pass


def transport_for(settings: MailSettings) -> Transport:
    """SMTP when a host is configured, otherwise ``.eml`` files in the outbox directory."""
    if settings.host:
        return SMTPTransport(settings)
    return FileTransport(settings.outbox_dir)


def send(message: OutgoingMail, settings: MailSettings) -> None:
    """Hand ``message`` to the configured transport; raises MailError if it cannot."""
    transport = transport_for(settings)
    try:
        transport.send(message)
    finally:
        transport.close()

"""Translations of an action's content (issue 12): its title and its recommendation's text.

A coordinator writes them; readers of that language see them with the English one
click away. The English is the record and imports keep it exactly: this module never
changes an action or a recommendation. A translation remembers the digest of the
English text it was made from; when the action's newest edition words the
recommendation differently, the translation shows as out of date until it is saved
again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask_babel import gettext
from sqlmodel import Session, select

from .. import languages
from ..models import Action, ActionTranslation, Role, User, utcnow
from . import editions
from .errors import FieldError

MAX_TITLE = 500
MAX_TEXT = 20_000


class TranslationError(FieldError):
    """A translation that cannot be saved."""


@dataclass(frozen=True)
class ShownTranslation:
    """What a reader of ``language`` sees of an action's content."""

    translation: ActionTranslation
    english_text: str
    out_of_date: bool


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def can_translate(user: User | None) -> bool:
    return user is not None and user.role in (Role.coordinator, Role.admin)


def translatable_languages() -> list[str]:
    """Every available language but English, the language of the record."""
    return [code for code in languages.available_languages() if code != languages.SOURCE_LANGUAGE]


def current_english(session: Session, action: Action) -> str:
    """The recommendation text the action shows now: its newest edition's."""
    return editions.newest_text(session, action).recommendation.text


def find_translation(session: Session, action: Action, language: str) -> ShownTranslation | None:
    """The translation into ``language``, and whether the English changed since it was made."""
    if language == languages.SOURCE_LANGUAGE:
        return None
    found = session.exec(
        select(ActionTranslation).where(
            ActionTranslation.action_id == action.id, ActionTranslation.language == language
        )
    ).first()
    if found is None:
        return None
    english = current_english(session, action)
    return ShownTranslation(found, english, found.source_sha256 != text_digest(english))


def save_translation(
    session: Session, action: Action, actor: User, *, language: str, title: str, text: str
) -> ActionTranslation:
    """Store or replace the translation, made from the current English; the caller commits."""
    if not can_translate(actor):
        raise TranslationError(gettext("Only a coordinator can translate an action."))
    if language not in translatable_languages():
        raise TranslationError(gettext("Choose one of the languages offered."), "language")
    title, text = title.strip(), text.strip()
    if len(title) > MAX_TITLE:
        raise TranslationError(
            gettext("At most %(limit)s characters.", limit=f"{MAX_TITLE:,}"), "title"
        )
    if len(text) > MAX_TEXT:
        raise TranslationError(
            gettext("At most %(limit)s characters.", limit=f"{MAX_TEXT:,}"), "text"
        )
    if not title and not text:
        raise TranslationError(gettext("Write the translated title, text or both."), "text")
    found = session.exec(
        select(ActionTranslation).where(
            ActionTranslation.action_id == action.id, ActionTranslation.language == language
        )
    ).first()
    translation = found or ActionTranslation(
        action_id=action.id or 0, language=language, source_sha256=""
    )
    translation.title = title or None
    translation.text = text or None
    translation.source_sha256 = text_digest(current_english(session, action))
    translation.updated_at = utcnow()
    translation.updated_by_id = actor.id
    session.add(translation)
    session.flush()
    return translation

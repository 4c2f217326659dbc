"""Translations: gettext catalogs (Babel) compiled in memory at start-up.

Message ids are English; `zh_CN` is the default locale, `en` the second. Catalogs live in
backend/locale/<locale>/LC_MESSAGES/messages.po and are refreshed with `make i18n`.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from backend.domain.errors import DomainError, Msg, Plural

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT_LOCALE = "zh_CN"
LOCALES = ("zh_CN", "en")


@cache
def translations(locale: str) -> NullTranslations:
    po = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return NullTranslations()  # English ids are the English text
    with po.open("rb") as f:
        catalog = read_po(f, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def negotiate(accept_language: str | None, cookie: str | None = None) -> str:
    """The cookie's choice, else the first supported language in Accept-Language, else zh_CN."""
    if cookie in LOCALES:
        return cookie
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh_CN"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LOCALE


def number(locale: str, value: int) -> str:
    """A count as the locale writes it, grouped by thousands: 100000 -> "100,000" (zh_CN and en alike)."""
    return format_decimal(value, locale=locale)


def gettext(locale: str, message: str, **params: Any) -> str:
    """The message in the locale, its parameters filled in: a `Msg` translated, a `Plural`'s count grouped."""
    if isinstance(message, Plural):
        count = params[message.count]
        text = translations(locale).ngettext(message, message.plural, count)
        params = {**params, message.count: number(locale, count)}
    else:
        text = translations(locale).gettext(message)
    if not params:
        return text
    return text.format(**{k: gettext(locale, v) if isinstance(v, Msg) else v for k, v in params.items()})


def ngettext(locale: str, singular: str, plural: str, count: int, **params: Any) -> str:
    """The singular or plural form for `count` (zh_CN has one form), `{count}` in it grouped by thousands."""
    return gettext(locale, Plural(singular, plural), count=count, **params)


def error_message(locale: str, error: DomainError) -> str:
    return gettext(locale, error.message_id, **error.params)


def command_line_locale(environ: Mapping[str, str] = os.environ) -> str:
    """The command line's language, from LC_ALL, LC_MESSAGES or LANG as POSIX orders them: zh_CN for
    Chinese, English for anything else (C, POSIX, unset: what scripts and cron jobs run with)."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            return "zh_CN" if value.lower().startswith("zh") else "en"
    return "en"

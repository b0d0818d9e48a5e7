"""Interface languages: gettext catalogs (locale/<lang>/LC_MESSAGES/messages.po, read with
Babel when the app starts: no compile step, so a fresh checkout works), the language of a
request (?lang=, remembered in a cookie; else Accept-Language; else English), and Babel's
formatting of dates and numbers for it."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations
from fastapi import Request

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "ru")
DEFAULT = "en"
LANG_COOKIE = "iqs_lang"
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "yi"})


def catalog_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"


@cache
def translations(language: str) -> Translations:
    """The language's catalog, compiled in memory from its .po file."""
    with catalog_path(language).open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def chosen_language(request: Request) -> tuple[str, bool]:
    """(language, asked): `asked` when ?lang= named it (the page remembers it in a cookie)."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked, True
    remembered = request.cookies.get(LANG_COOKIE)
    if remembered in LANGUAGES:
        return remembered, False
    header = request.headers.get("accept-language", "")
    preferred = [part.split(";")[0].strip().replace("-", "_") for part in header.split(",")]
    found = Locale.negotiate([p for p in preferred if p and p != "*"], LANGUAGES)
    return (found.language if found else DEFAULT), False


@dataclass(frozen=True)
class Language:
    """One request's language: its messages and its formats."""

    code: str

    @property
    def messages(self) -> Translations:
        return translations(self.code)

    def gettext(self, message: str) -> str:
        return self.messages.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.messages.ngettext(singular, plural, n)

    def when(self, value: datetime | None) -> str:
        return format_datetime(value, "medium", locale=self.code) if value else ""

    def day(self, value: date) -> str:
        """A short day ("2 Mar"), as a week's label on a plot."""
        return format_date(value, "d MMM", locale=self.code)

    def percent(self, share: float | None) -> str:
        """A share (0.725) as a percentage ("72.5%")."""
        return "–" if share is None else format_percent(share, "#,##0.#%", locale=self.code)

    def number(self, value: float | None, digits: int = 2) -> str:
        if value is None:
            return "–"
        return format_decimal(round(value, digits), format=f"#,##0.{'#' * digits}",
                              locale=self.code)


def text_direction(language: str | None) -> str:
    """rtl for a right-to-left language code ("ar", "fa-IR"), else ltr."""
    base = (language or "").replace("_", "-").split("-")[0].lower()
    return "rtl" if base in RTL_LANGUAGES else "ltr"

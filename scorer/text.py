"""Text normalisation and tokenisation shared by formula matching and the criteria.

Matching must survive case, punctuation, diacritics and spelling variants across the supported
scripts (Latin, Cyrillic, Arabic/Persian), so both the formulas and the conversation text go
through the same `normalize`. Tokens keep their character span in the original text so that
evidence can point at the exact words.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import regex

# Arabic and Persian write the same sounds with different code points; ASR and keyboards mix them.
_ARABIC_SCRIPT_FOLDS = str.maketrans(
    {
        "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا",
        "ي": "ی", "ى": "ی", "ئ": "ی",
        "ك": "ک",
        "ة": "ه", "ۀ": "ه",
        "ؤ": "و",
        "ـ": None,  # tatweel
        "\u200c": None,  # zero-width non-joiner: written or not, the word is the same
        "\u200d": None,
    }
)
# Uzbek Latin writes o' and g' with any of these apostrophes.
_APOSTROPHES = "'ʻʼ‘’`´"
_NO_APOSTROPHES = str.maketrans({a: None for a in _APOSTROPHES})
_CYRILLIC_FOLDS = str.maketrans({"ё": "е"})
# Letters, digits and combining marks (Arabic harakat sit between letters), with the Persian
# zero-width non-joiner and apostrophes inside a word.
_WORD = regex.compile(r"[\p{L}\p{N}\p{M}\u200c]+(?:[" + _APOSTROPHES + r"][\p{L}\p{N}\p{M}]+)*")
# Persian writes the verb prefixes mi-/nemi- and suffixes such as -i, -ha joined, apart or with a
# ZWNJ: one word in any case.
_PERSIAN_PREFIXES = {"می", "نمی"}
_PERSIAN_SUFFIXES = {"ای", "ها", "های", "هایی", "تر", "ترین"}


def normalize(text: str) -> str:
    """Case-, diacritic- and script-variant-insensitive form of a word or phrase."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.translate(_ARABIC_SCRIPT_FOLDS).translate(_CYRILLIC_FOLDS)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.translate(_NO_APOSTROPHES)
    return unicodedata.normalize("NFC", stripped)


@dataclass(frozen=True, slots=True)
class Token:
    """A word: its normalised form and where it stands in the original text."""

    norm: str
    start: int
    end: int


@lru_cache(maxsize=16384)
def tokenize(text: str) -> tuple[Token, ...]:
    """Word tokens of `text`; punctuation is dropped, spans index into `text`.

    Cached: every criterion and formula section tokenises the same turns."""
    tokens: list[Token] = []
    for match in _WORD.finditer(text):
        norm = normalize(match.group())
        if not norm:
            continue
        previous = tokens[-1] if tokens else None
        if previous and previous.end + 1 >= match.start() and _is_arabic_script(previous.norm) \
                and (previous.norm in _PERSIAN_PREFIXES or norm in _PERSIAN_SUFFIXES):
            tokens[-1] = Token(previous.norm + norm, previous.start, match.end())
        else:
            tokens.append(Token(norm, match.start(), match.end()))
    return tuple(tokens)


def _is_arabic_script(word: str) -> bool:
    return "\u0600" <= word[:1] <= "\u06ff"

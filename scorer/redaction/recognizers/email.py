"""E-mail addresses: written ("cminh730@email.com") and spoken ("john dot smith at gmail dot
com", with the pack's words for "at" and "dot")."""

from __future__ import annotations

from collections.abc import Iterator

import regex

from scorer.redaction.model import Entity
from scorer.redaction.registry import Context, recognizer

_EMAIL = regex.compile(
    r"(?<![\w.+\-])[\w+\-]+(?:\.[\w+\-]+)*@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)*\.\p{L}{2,}"
    r"(?![\w\-])")
# Top-level domains a spoken address ends with (the pack adds spoken spellings): a spoken
# form must end in one of them, which keeps "look at this dot" out.
_TLDS = frozenset({"com", "net", "org", "edu", "gov", "io", "co", "uk", "us", "ru", "uz", "mn",
                   "my", "ir", "sa", "ae", "eg", "info", "biz", "me", "kz", "by", "sg", "af"})


@recognizer("email", kinds=("EMAIL",))
def find_emails(context: Context) -> Iterator[Entity]:
    if "@" in context.text:
        for match in _EMAIL.finditer(context.text):
            yield context.entity(match.start(), match.end(), "EMAIL", "email")
    yield from _spoken(context)


def _spoken(context: Context) -> Iterator[Entity]:
    """word (dot word)* AT word (dot word)* dot TLD, over tokens."""
    pack, tokens = context.pack, context.tokens
    if not pack.email_at or not pack.email_dot:
        return
    tlds = _TLDS | pack.email_tlds
    for at, token in enumerate(tokens):
        if token.norm not in pack.email_at or at == 0 or at + 3 >= len(tokens):
            continue
        # Domain: word, then (dot word)+; the last word a TLD.
        end, i = None, at + 2
        while i + 1 < len(tokens) and tokens[i].norm in pack.email_dot:
            if tokens[i + 1].norm in tlds:
                end = tokens[i + 1].end
            i += 2
        if end is None or tokens[at + 1].norm in pack.email_dot:
            continue
        # Local part: a word, with "dot word" before it.
        start = at - 1
        while start >= 2 and tokens[start - 1].norm in pack.email_dot:
            start -= 2
        if tokens[start].norm in pack.stopwords:
            continue
        yield context.entity(tokens[start].start, end, "EMAIL", "email_spoken")

"""What the text around a number says about whose it is: shared by the phone and account
recognisers (precision rules for contact-centre text; each one is a general shape, not a list
of known numbers).

- `in_url_or_version`: digits inside a URL or domain ("www.example123.com") or a dotted
  version string ("2.10.3", "1.4.0.2210") are neither phones nor accounts.
- `service_number`: numbers the phone metadata types as an organisation's (toll-free, shared
  cost, premium rate, universal access) or as a short code (hotlines, carrier services) are
  published numbers of organisations, not personal data (benchmarks/data/redaction/GUIDE.md:
  service numbers are NON_PII), unless an owner cue says whose it is ("my phone number is
  ..."): people do not call a hotline "my number", and number plans overlap (India's 1800
  toll-free numbers are China's 180 mobiles).
- `organisations_number`: in an agent turn, a number with no owner cue near it ("your",
  "my", "contacted at") and that is not a mobile number is the organisation's (a hotline, a
  store's phone, the support account the agent tells the customer to add): agents read a
  customer's number back as theirs ("your number ..."), they do not hand out third parties'.
- `mobile_number`: an 11-digit run valid as a MOBILE number in a broad region list (every
  pack's regions plus CN) is a phone, whatever the turn's language: translated or mixed
  chats carry foreign mobile numbers, and a mobile prefix with the exact national length is
  strong evidence (a random 11-digit id rarely fits one). The turn's own regions are asked
  first: where one of them accepts the number, its type there decides.
- `object_labelled`: a number labelled by a thing's noun ("machine", "serial number",
  "version") identifies a machine, device or product, not a person (GUIDE.md: machine ids are
  NON_PII; the seeded set's router serial numbers are negatives).
- `placeholder_digits`: one digit repeated ("2333333", "1000000") is laughter, a round
  number or a placeholder, not an identifier.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import CountryCodeSource, PhoneNumberType, shortnumberinfo

from scorer.redaction.registry import Context
from scorer.text import Token

# "https://...", "www.x.y", "name.com/path": one token of a URL or a bare domain.
_URL = re.compile(r"(?i)(?:https?://|www\.)[^\s<>\"'，。]+"
                  r"|(?<![@\w.])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|edu|gov|info|biz|"
                  r"io|co|cn|ru|uk|de|ir|my|uz|mn|sa|eg|ae|kz|by|us|in)\b(?:/[^\s]*)?")
# Three or more dot-separated digit groups, one of them of 1-2 digits: 2.10.3, 1.4.0.2210
# (a phone written with dots, 617.555.0198, has none that short).
_DOTTED = re.compile(r"(?<![\d.])\d+(?:\.\d+){2,}(?![.]?\d)")
_ORGANISATION_TYPES = {PhoneNumberType.TOLL_FREE, PhoneNumberType.SHARED_COST,
                       PhoneNumberType.PREMIUM_RATE, PhoneNumberType.UAN}
_MOBILE_TYPES = {PhoneNumberType.MOBILE}
MOBILE_DIGITS = 11
_OWNER_BEFORE = 5  # tokens before the number an owner cue may stand
_SENTENCE_END = re.compile(r"[.!?\n;]\s|[\n]")


def url_and_version_spans(text: str) -> list[tuple[int, int]]:
    spans = [m.span() for m in _URL.finditer(text)]
    spans += [m.span() for m in _DOTTED.finditer(text)
              if any(len(g) <= 2 for g in m.group().split("."))]
    return spans


def in_url_or_version(context: Context, start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in url_and_version_spans(context.text))


@lru_cache(maxsize=1)
def broad_regions() -> tuple[str, ...]:
    """CN and the phone regions of every bundled pack (the seven languages' countries)."""
    from scorer.redaction.packs import load_pack, packs_directory

    regions = ["CN"]
    for path in sorted(packs_directory().glob("*.yaml")):
        regions += [r for r in load_pack(path.stem).phone_regions if r not in regions]
    return tuple(regions)


def _regions(context: Context) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*context.pack.phone_regions, "CN")))


def service_number(context: Context, digits: str) -> bool:
    """A short code of one of the turn's regions (or CN), or a number whose first valid
    reading (pack regions in order, then CN) is toll-free, shared-cost, premium or UAN."""
    if digits.startswith("+"):
        try:
            number = phonenumbers.parse(digits, None)
        except phonenumbers.NumberParseException:
            return False
        return phonenumbers.number_type(number) in _ORGANISATION_TYPES
    if mobile_number(digits, context.pack.phone_regions):
        return False
    for region in _regions(context):
        national = _national(digits, region)
        if national is None:
            continue
        if len(digits) <= 6 and shortnumberinfo.is_valid_short_number_for_region(
                national, region):
            return True
        if phonenumbers.is_valid_number(national):
            return phonenumbers.number_type(national) in _ORGANISATION_TYPES
    return False


def mobile_number(digits: str, pack_regions: tuple[str, ...] = ()) -> bool:
    """An 11-digit national number valid as MOBILE. The turn's own regions decide first
    (a UK fixed line that some far region would read as a mobile stays a fixed line); only a
    number none of them accepts is read in the broad region list."""
    if len(digits) != MOBILE_DIGITS:
        return False
    for regions in (pack_regions, broad_regions()):
        for region in regions:
            number = _national(digits, region)
            if number is not None and phonenumbers.is_valid_number(number):
                return phonenumbers.number_type(number) in _MOBILE_TYPES
    return False


def _national(digits: str, region: str) -> phonenumbers.PhoneNumber | None:
    """`digits` read as a national number of `region`; None when phonenumbers could only read
    it by taking its first digits as a country code without a "+" ("1 866 ..." in the US):
    that reading does not fit the number as written as well as a national one elsewhere."""
    try:
        number = phonenumbers.parse(digits, region, keep_raw_input=True)
    except phonenumbers.NumberParseException:
        return None
    if number.country_code_source == CountryCodeSource.FROM_NUMBER_WITHOUT_PLUS_SIGN:
        return None
    return number


def _mobile_in_pack(context: Context, digits: str) -> bool:
    for region in context.pack.phone_regions:
        number = _national(digits, region)
        if number is not None and phonenumbers.is_valid_number(number):
            return phonenumbers.number_type(number) in _MOBILE_TYPES
    return mobile_number(digits, context.pack.phone_regions)


# One digit repeated after a 1-2 digit head: 2333333 (laughter in Chinese chats), 1000000.
_REPEATED = re.compile(r"\d{1,2}?(\d)\1{4,}")


def placeholder_digits(digits: str) -> bool:
    return bool(_REPEATED.fullmatch(digits))


# A sentence boundary: ! ? ; a line break, or a full stop before a capital ("No. 8" is none).
_SENTENCE_BREAK = re.compile(r"[!?\n;]|\.\s+(?=[A-Z])")
_OBJECT_WINDOW = 6  # words before a number an object cue may stand


def _starts(tokens: tuple[Token, ...], i: int, cue: tuple[str, ...]) -> bool:
    return tuple(t.norm for t in tokens[i:i + len(cue)]) == cue


def object_labelled(context: Context, start: int, end: int) -> bool:
    """An object cue ("machine", "serial number", "version") among the few words before the
    number in its sentence with no account cue nearer, or in the two words right after it
    ("4410021 vending machine"): a thing's number, not a person's."""
    tokens, pack, text = context.tokens, context.pack, context.text
    breaks = [m.end() for m in _SENTENCE_BREAK.finditer(text, 0, start)]
    sentence_start = breaks[-1] if breaks else 0
    window = [i for i, t in enumerate(tokens)
              if sentence_start <= t.start and t.end <= start][-_OBJECT_WINDOW:]
    found: list[tuple[int, bool]] = []
    for i in window:
        if any(_starts(tokens, i, cue) for cue in pack.object_cues):
            found.append((i, True))
        if any(_starts(tokens, i, cue) for cue in pack.account_cues):
            found.append((i, False))
    if found and max(found)[1]:
        return True
    after = [i for i, t in enumerate(tokens) if t.start >= end][:2]
    return bool(after) and not _SENTENCE_BREAK.search(text, end, tokens[after[-1]].start) \
        and any(_starts(tokens, i, cue) for i in after for cue in pack.object_cues)


def owner_near(context: Context, start: int, end: int) -> bool:
    """An owner cue ("your", "my", "contacted") among the few words before the number, in
    its sentence: the possessor comes first ("my number is ...", "your line ...")."""
    cues = context.pack.owner_cues
    before = [t for t in context.tokens if t.end <= start][-_OWNER_BEFORE - 2:]
    norms = [t.norm for t in _same_sentence(context.text, before, start, backwards=True)]
    return any(tuple(norms[i:i + len(cue)]) == cue for cue in cues for i in range(len(norms)))


def _same_sentence(text: str, tokens: list[Token], edge: int,
                   backwards: bool) -> list[Token]:
    kept: list[Token] = []
    ordered = list(reversed(tokens)) if backwards else tokens
    previous = edge
    for token in ordered:
        gap = text[token.end:previous] if backwards else text[previous:token.start]
        if _SENTENCE_END.search(gap + " "):
            break
        kept.append(token)
        previous = token.start if backwards else token.end
    kept = kept[:_OWNER_BEFORE]
    return list(reversed(kept)) if backwards else kept


def services_number(context: Context, start: int, end: int, digits: str) -> bool:
    """`service_number` with no owner cue near the number."""
    return service_number(context, digits) and not owner_near(context, start, end)


def organisations_number(context: Context, start: int, end: int, digits: str) -> bool:
    """In an agent turn of a language whose pack lists owner cues: a number that is not a
    mobile number and has no owner cue near it."""
    from scorer.conversation import Role

    if context.role not in (Role.AGENT, Role.BOT) or not context.pack.owner_cues:
        return False
    return not _mobile_in_pack(context, digits) and not owner_near(context, start, end)

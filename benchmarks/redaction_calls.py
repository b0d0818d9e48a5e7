"""SYNTHETIC calls for the redaction evaluation: espeak-ng voices (not people), agent on the left
channel and customer on the right, in which the customer says a card number and a phone number
as words. Each number is a line of its own, right after the customer's lead-in ("my card number
is"), so its time in the recording is known exactly (`scorer.asr.synthetic` trims espeak-ng's
silence). The call is read with the project's audio reader (faster-whisper, offline) and
redacted; the evaluation checks that the numbers are found in the ASR text and that the
redaction's silence intervals cover the time the customer spoke them.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.redaction_seeded import DIGIT_WORDS
from scorer.asr import TranscriptionOptions
from scorer.asr import synthetic as synth
from scorer.conversation import Conversation, Role
from scorer.readers import read_file
from scorer.readers.options import ReaderOptions

A, C = Role.AGENT, Role.CUSTOMER
# espeak-ng voices per language: (agent, customer), two different voices.
VOICES = {"en": ("en-us", "en+f3"), "ru": ("ru", "ru+f3")}
# Whisper models per language: the default (multilingual base) first; English also with the
# faster English-only tiny.en.
MODELS = {"en": ("base", "tiny.en"), "ru": ("base",)}


def spoken(number: str, language: str, groups: tuple[int, ...] = ()) -> str:
    """The digits as words, a comma after each group (a short pause in espeak-ng)."""
    words = DIGIT_WORDS[language].split()
    digits = [d for d in number if d.isdigit()]
    parts, at = [], 0
    for size in groups or (len(digits),):
        parts.append(" ".join(words[int(d)] for d in digits[at:at + size]))
        at += size
    return ", ".join(parts)


@dataclass(frozen=True)
class Said:
    role: Role
    text: str
    kind: str | None = None  # the personal data this line is, if any
    pause_after: float = 0.7


@dataclass(frozen=True)
class CallScript:
    name: str
    language: str
    lines: tuple[Said, ...]


# Numbers: Luhn-valid test cards and valid national phone numbers (checked in the tests).
SCRIPTS = (
    CallScript("en card and phone, digit by digit", "en", (
        Said(A, "Thank you for calling Acme Bank, my name is Sarah, how can I help you?"),
        Said(C, "Hi, I would like to pay my bill with a new card."),
        Said(A, "Of course. What is the card number?"),
        Said(C, "The card number is", pause_after=0.25),
        Said(C, spoken("4539148803436467", "en", (4, 4, 4, 4)), "CARD"),
        Said(A, "Thank you. And a phone number where we can call you back?"),
        Said(C, "Yes, it is", pause_after=0.25),
        Said(C, spoken("2015550143", "en", (3, 3, 4)), "PHONE"),
        Said(A, "Thank you, the payment is done. Have a nice day."),
    )),
    CallScript("en phone first, card without pauses", "en", (
        Said(A, "Good morning, this is Acme Bank, you are speaking with Tom."),
        Said(C, "Hello, my phone number is", pause_after=0.25),
        Said(C, spoken("6175550198", "en", (3, 3, 4)), "PHONE"),
        Said(C, "and I want to block my card.", pause_after=0.9),
        Said(A, "I can do that. Please read me the card number."),
        Said(C, "It is", pause_after=0.25),
        Said(C, spoken("5500005555555559", "en"), "CARD"),
        Said(A, "The card is blocked. Goodbye."),
    )),
    CallScript("ru card and phone, digit by digit", "ru", (
        Said(A, "Здравствуйте, банк слушает, меня зовут Анна, чем могу помочь?"),
        Said(C, "Здравствуйте, я хочу заблокировать карту."),
        Said(A, "Хорошо. Назовите, пожалуйста, номер карты."),
        Said(C, "Номер карты", pause_after=0.25),
        Said(C, spoken("4276380012345679", "ru", (4, 4, 4, 4)), "CARD"),
        Said(A, "Спасибо. По какому номеру вам перезвонить?"),
        Said(C, "Мой номер", pause_after=0.25),
        Said(C, spoken("89123456789", "ru", (1, 3, 3, 2, 2)), "PHONE"),
        Said(A, "Спасибо, карта заблокирована. До свидания."),
    )),
)


@dataclass
class PlacedItem:
    kind: str
    start: float
    end: float
    words: str


@dataclass
class SynthCall:
    script: CallScript
    path: Path
    items: list[PlacedItem]
    model: str = ""
    conversation: Conversation | None = None
    asr_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


@contextmanager
def _voices(language: str) -> Iterator[None]:
    """The two voices of `language` for scorer.asr.synthetic (restored afterwards)."""
    saved = dict(synth.VOICES)
    synth.VOICES.update({A: VOICES[language][0], C: VOICES[language][1]})
    try:
        yield
    finally:
        synth.VOICES.clear()
        synth.VOICES.update(saved)


def synthesize(script: CallScript, folder: Path) -> SynthCall:
    path = folder / (script.name.replace(" ", "_").replace(",", "") + ".wav")
    lines = [synth.Line(s.role, s.text, s.pause_after) for s in script.lines]
    with _voices(script.language):
        placed = synth.synthesize_call(lines, path, stereo=True)
    items = [PlacedItem(s.kind, p.start, p.end, s.text)
             for s, p in zip(script.lines, placed, strict=True) if s.kind]
    return SynthCall(script, path, items)


def transcribe(call: SynthCall, model: str) -> None:
    language = call.script.language
    call.model = model
    options = ReaderOptions(language=language, asr=TranscriptionOptions(
        model=model, beam_size=1, language=language))
    began = time.perf_counter()
    [call.conversation] = read_file(call.path, options)
    call.asr_seconds = time.perf_counter() - began


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0]))


def _union_within(spans: list[tuple[float, float]], window: tuple[float, float]) -> float:
    """Seconds of `window` inside the union of `spans`."""
    clipped = sorted((max(s, window[0]), min(e, window[1])) for s, e in spans
                     if _overlap((s, e), window) > 0)
    total, cursor = 0.0, window[0]
    for start, end in clipped:
        start = max(start, cursor)
        if end > start:
            total += end - start
            cursor = end
    return total


def evaluate_call(call: SynthCall, redactor: Any, padding: float) -> dict[str, Any]:
    """Per item: how the ASR wrote it, whether an entity of its kind (or any kind) was found in
    a turn at its time, and the share of its time inside the silence intervals (as returned,
    and widened by the silencer's padding). Plus the seconds silenced away from every item."""
    assert call.conversation is not None
    redaction = redactor.redact(call.conversation)
    turns = call.conversation.turns
    silence = [(float(s), float(e)) for s, e in redaction.silence]
    padded = [(max(0.0, s - padding), e + padding) for s, e in silence]
    rows = []
    for item in call.items:
        window = (item.start, item.end)
        at_time = [(i, e) for i, e in redaction.entities
                   if turns[i].start is not None and turns[i].end is not None
                   and _overlap((turns[i].start, turns[i].end), window) > 0]
        heard = " | ".join(t.text for t in turns if t.role is Role.CUSTOMER and t.start is not None
                           and t.end is not None and _overlap((t.start, t.end), window) > 0)
        length = item.end - item.start
        rows.append({"call": call.script.name, "model": call.model, "kind": item.kind,
                     "said": f"{item.start:.2f}-{item.end:.2f}s",
                     "found_as_kind": any(e.kind == item.kind for _, e in at_time),
                     "found_kinds": sorted({e.kind for _, e in at_time}),
                     "covered": _union_within(silence, window) / length,
                     "covered_padded": _union_within(padded, window) / length,
                     "asr": heard})
    items = [(i.start, i.end) for i in call.items]
    silenced = sum(e - s for s, e in silence)
    inside = sum(_union_within(silence, w) for w in items)
    return {"call": call.script.name, "model": call.model, "rows": rows,
            "silenced_s": silenced, "silenced_elsewhere_s": silenced - inside,
            "agent_entities": [f"{e.kind} {e.text!r}" for i, e in redaction.entities
                               if turns[i].role is Role.AGENT],
            "asr_seconds": call.asr_seconds}


def run_calls(redactor: Any, padding: float, limit: int | None = None) -> list[dict[str, Any]]:
    """Synthesise every scripted call (or the first `limit`), transcribe it with each of its
    language's models and redact it."""
    results = []
    with tempfile.TemporaryDirectory(prefix="iqs-redaction-calls-") as scratch:
        for script in SCRIPTS[:limit]:
            call = synthesize(script, Path(scratch))
            for model in MODELS[script.language][:1 if limit else None]:
                transcribe(call, model)
                results.append(evaluate_call(call, redactor, padding))
    return results

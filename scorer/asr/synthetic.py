"""Synthetic two-voice calls spoken by espeak-ng (Debian package `espeak-ng`), for tests,
benchmarks and demonstrations: a scripted agent and customer, each on a channel of their own
(stereo) or mixed together (mono), with the true time and role of every line."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile
from scipy.signal import resample_poly

from scorer.conversation import Conversation, Role
from scorer.errors import ConfigError

VOICES = {Role.AGENT: "en-us", Role.CUSTOMER: "en+f3"}
_ESPEAK_RATE = 22_050


@dataclass(frozen=True, slots=True)
class Line:
    role: Role
    text: str
    pause_after: float = 0.7  # seconds before the next line; negative: the next one talks over


@dataclass(frozen=True, slots=True)
class SpokenLine:
    role: Role
    text: str
    start: float
    end: float


GREETING_AGENT: tuple[Line, ...] = (
    Line(Role.AGENT, "Good morning, thank you for calling Acme Bank, my name is Sarah, "
                     "how can I help you?"),
    Line(Role.CUSTOMER, "Hi, I lost my debit card yesterday and I need to block it."),
    Line(Role.AGENT, "I am sorry to hear that. I can block the card for you right now. "
                     "Could you tell me your date of birth?"),
    Line(Role.CUSTOMER, "It is the fourth of July, nineteen eighty five."),
    Line(Role.AGENT, "Thank you. The card is blocked and a new one will arrive within five "
                     "working days."),
    Line(Role.CUSTOMER, "That is great, thanks a lot."),
    Line(Role.AGENT, "Is there anything else I can help you with?"),
    Line(Role.CUSTOMER, "No, that was all."),
    Line(Role.AGENT, "Have a nice day, goodbye."),
)

BRUSQUE_AGENT: tuple[Line, ...] = (
    Line(Role.AGENT, "Yes?"),
    Line(Role.CUSTOMER, "Hello, I lost my debit card yesterday and I need to block it."),
    Line(Role.AGENT, "Date of birth."),
    Line(Role.CUSTOMER, "It is the fourth of July, nineteen eighty five."),
    Line(Role.AGENT, "Done. The new card comes in five days."),
    Line(Role.CUSTOMER, "Okay."),
)

# The customer speaks first (the line opens before the agent's greeting): the agent is found by
# the formulas, not by speaking first.
CUSTOMER_FIRST: tuple[Line, ...] = (
    Line(Role.CUSTOMER, "Hello? Hello, is this the bank?"),
    *GREETING_AGENT,
)

# Middle lines for calls of any length. Real calls do not repeat themselves word for word, and
# Whisper reads a window of repeated lines as a hallucination loop, so these all differ.
_FILLER: tuple[Line, ...] = tuple(Line(role, text) for role, text in [
    (Role.CUSTOMER, "I also wanted to ask about the fees on my savings account, they seem "
                    "higher than last year."),
    (Role.AGENT, "Let me check that for you. The monthly fee went up in March, but you can "
                 "avoid it by keeping a minimum balance of five hundred dollars."),
    (Role.CUSTOMER, "And what about transfers abroad?"),
    (Role.AGENT, "Transfers abroad cost three dollars each, and they usually arrive within two "
                 "business days."),
    (Role.CUSTOMER, "Can I raise the daily limit for cash withdrawals?"),
    (Role.AGENT, "Yes, I can raise it to one thousand dollars a day once the new card is "
                 "active."),
    (Role.CUSTOMER, "My husband would like a card for the same account."),
    (Role.AGENT, "He can ask for a second card in the mobile app, under account settings."),
    (Role.CUSTOMER, "Is the mobile app free to use?"),
    (Role.AGENT, "The app is free, and you can also see your statements there."),
    (Role.CUSTOMER, "Where can I find the statement for last December?"),
    (Role.AGENT, "Statements are kept for seven years, open documents and pick the month."),
    (Role.CUSTOMER, "What happens to the automatic payments on the old card?"),
    (Role.AGENT, "Most of them move to the new card by themselves, but please check your "
                 "streaming services."),
    (Role.CUSTOMER, "Could you send me a letter confirming that the card was blocked?"),
    (Role.AGENT, "Of course, the letter will be in your mailbox by Friday."),
    (Role.CUSTOMER, "Do you offer loans for a new car?"),
    (Role.AGENT, "We do, the interest rate starts at six percent for five years."),
    (Role.CUSTOMER, "Can I pay the loan back early without a penalty?"),
    (Role.AGENT, "Yes, early repayment is free after the first twelve months."),
    (Role.CUSTOMER, "How do I change the address on my account?"),
    (Role.AGENT, "You can change it online, or I can update it for you now."),
    (Role.CUSTOMER, "Please use my new address, twelve Oak Street, Springfield."),
    (Role.AGENT, "Done, the new card will be sent to twelve Oak Street."),
])


def long_call(minutes: float) -> tuple[Line, ...]:
    """The greeting agent's call, lengthened with middle lines (cycled when a call runs longer
    than all of them) to about `minutes`."""
    per_line = 4.2  # seconds one line takes, roughly, with its pause
    count = max(0, round((minutes * 60 - len(GREETING_AGENT) * per_line) / per_line))
    count -= count % 2  # whole question-and-answer pairs
    middle = tuple(_FILLER[i % len(_FILLER)] for i in range(count))
    return GREETING_AGENT[:6] + middle + GREETING_AGENT[6:]


def _speak(text: str, voice: str, directory: Path) -> np.ndarray:
    if shutil.which("espeak-ng") is None:
        raise ConfigError("synthetic calls need espeak-ng: apt-get install espeak-ng")
    out = directory / "line.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", "165", "-w", str(out), text], check=True,
                   capture_output=True)
    samples, rate = soundfile.read(out, dtype="float32")
    if rate != _ESPEAK_RATE:
        raise ConfigError(f"espeak-ng wrote {rate} Hz, expected {_ESPEAK_RATE}", str(out))
    return np.asarray(samples)


def synthesize_call(lines: Sequence[Line], destination: Path, *, stereo: bool = True,
                    sample_rate: int = 16_000, lead_in: float = 0.5) -> list[SpokenLine]:
    """Write the call to `destination` (channel 0 agent, 1 customer; or their mix) as WAV;
    the lines as spoken, with times."""
    spoken: list[SpokenLine] = []
    clips: list[tuple[int, np.ndarray]] = []
    cursor = lead_in
    with tempfile.TemporaryDirectory() as scratch:
        for line in lines:
            clip = _speak(line.text, VOICES[line.role], Path(scratch))
            clip = _trimmed(resample_poly(clip, sample_rate, _ESPEAK_RATE).astype(np.float32))
            start = int(cursor * sample_rate)
            clips.append((start, clip))
            end = (start + len(clip)) / sample_rate
            spoken.append(SpokenLine(line.role, line.text, start / sample_rate, end))
            cursor = max(start / sample_rate, end + line.pause_after)
    length = max(start + len(clip) for start, clip in clips) + int(lead_in * sample_rate)
    channels = np.zeros((2, length), dtype=np.float32)
    for (start, clip), said in zip(clips, spoken, strict=True):
        channels[0 if said.role is Role.AGENT else 1, start:start + len(clip)] += clip
    audio = channels.T if stereo else np.clip(channels.sum(axis=0), -1.0, 1.0)
    soundfile.write(destination, audio, sample_rate, subtype="PCM_16")
    return spoken


def _trimmed(clip: np.ndarray, floor: float = 1e-3) -> np.ndarray:
    """The clip without the silence espeak-ng puts around speech, so line times are true."""
    loud = np.flatnonzero(np.abs(clip) > floor)
    return clip[loud[0]:loud[-1] + 1] if loud.size else clip


def word_role_accuracy(conversation: Conversation, spoken: Sequence[SpokenLine]) -> float:
    """Share of recognised words whose turn's role is the role of the line spoken at that time
    (words at no line's time count as wrong)."""
    total = correct = 0
    for turn in conversation.turns:
        for word in turn.words:
            middle = (word.start + word.end) / 2
            truth = [s.role for s in spoken if s.start - 0.3 <= middle <= s.end + 0.3]
            total += 1
            correct += turn.role in truth
    return correct / total if total else 0.0

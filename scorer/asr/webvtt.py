"""A conversation as WebVTT captions, one cue per timed turn, voiced by role (`<v Agent>`)."""

from __future__ import annotations

from scorer.conversation import Conversation


def _timestamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_webvtt(conversation: Conversation) -> str:
    """WebVTT text of the conversation's timed turns, in order of their start."""
    lines = ["WEBVTT", ""]
    timed = sorted((t for t in conversation.turns if t.start is not None),
                   key=lambda t: t.start or 0.0)
    for number, turn in enumerate(timed, start=1):
        start = turn.start or 0.0
        end = max(turn.end if turn.end is not None else start, start)
        voice = turn.role.value.capitalize()
        text = " ".join(turn.text.split())  # a blank line would end the cue
        lines += [str(number), f"{_timestamp(start)} --> {_timestamp(end)}",
                  f"<v {voice}>{_escaped(text)}", ""]
    return "\n".join(lines)

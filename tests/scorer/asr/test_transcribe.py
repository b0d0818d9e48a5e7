"""Audio → Conversation with the real models on real and synthetic recordings."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from scorer.asr import MonoRoleRule, TranscriptionOptions, transcribe_call
from scorer.asr.synthetic import word_role_accuracy
from scorer.conversation import Channel, Role
from scorer.errors import ReadError
from scorer.text import normalize
from tests.scorer.asr.conftest import TINY, Call


def _words(text: str) -> list[str]:
    return normalize(text).replace(",", " ").replace(".", " ").replace("?", " ").split()


def test_jfk_with_tiny_en_has_the_known_words(shared_audio: Path) -> None:
    conversation = transcribe_call(shared_audio / "jfk.flac", TINY)
    text = " ".join(t.text for t in conversation.turns)
    words = _words(text)
    for expected in ["fellow", "americans", "ask", "not", "what", "your", "country", "can",
                     "do", "for", "you"]:
        assert expected in words
    # jfk.flac stores one signal on both channels: transcribed once, as a mono call, and
    # its one voice is one speaker.
    assert words.count("americans") == 1
    assert {t.speaker for t in conversation.turns} == {"speaker_1"}
    assert conversation.id == "jfk"
    assert conversation.channel is Channel.CALL
    assert conversation.language == "en"
    first = conversation.turns[0]
    assert first.words and first.words[0].start < 1.0
    assert all(w.start <= w.end for t in conversation.turns for w in t.words)
    assert all(0 <= (w.probability or 0) <= 1 for t in conversation.turns for w in t.words)


@pytest.mark.slow
def test_jfk_with_the_multilingual_base_model_detects_english(shared_audio: Path) -> None:
    options = TranscriptionOptions(beam_size=1)  # default model: base, language detected
    conversation = transcribe_call(shared_audio / "jfk.flac", options)
    assert conversation.language == "en"
    words = _words(" ".join(t.text for t in conversation.turns))
    assert {"americans", "country"} <= set(words)


def test_stereo_clip_gives_each_channel_its_sentence_and_role(shared_audio: Path) -> None:
    conversation = transcribe_call(shared_audio / "stereo_diarization.wav", TINY)
    by_role = {role: " ".join(t.text for t in conversation.turns if t.role is role)
               for role in (Role.AGENT, Role.CUSTOMER)}
    assert {"confused", "complaint", "wizard", "curtain"} <= set(_words(by_role[Role.AGENT]))
    assert {"horizon", "extremely", "distant"} <= set(_words(by_role[Role.CUSTOMER]))
    # Both start at once: the overlap is kept, each turn with its own times.
    agent = next(t for t in conversation.turns if t.role is Role.AGENT)
    customer = next(t for t in conversation.turns if t.role is Role.CUSTOMER)
    assert agent.start is not None and customer.end is not None
    assert agent.start < customer.end
    assert {t.speaker for t in conversation.turns} == {"channel_0", "channel_1"}


def test_channel_roles_are_configurable(shared_audio: Path) -> None:
    options = replace(TINY, channel_roles=(Role.CUSTOMER, Role.AGENT))
    conversation = transcribe_call(shared_audio / "stereo_diarization.wav", options)
    agent_text = " ".join(t.text for t in conversation.turns if t.role is Role.AGENT)
    assert "horizon" in _words(agent_text)


@pytest.mark.parametrize("name", ["greeting_stereo", "telephone_stereo"])
def test_synthetic_stereo_call_in_time_order_with_roles(calls: dict[str, Call],
                                                        name: str) -> None:
    call = calls[name]
    conversation = transcribe_call(call.path, TINY)
    starts = [t.start or 0.0 for t in conversation.turns]
    assert starts == sorted(starts)
    assert conversation.turns[0].role is Role.AGENT
    assert "sarah" in _words(conversation.turns[0].text)
    assert "goodbye" in _words(conversation.turns[-1].text)
    assert conversation.turns[-1].role is Role.AGENT
    customer_text = " ".join(t.text for t in conversation.turns if t.role is Role.CUSTOMER)
    assert "july" in _words(customer_text)
    assert word_role_accuracy(conversation, call.spoken) >= 0.95
    # Turns alternate as spoken: no customer line is glued over the agent's answer.
    roles = [t.role for t in conversation.turns]
    assert roles.count(Role.AGENT) >= 4 and roles.count(Role.CUSTOMER) >= 3


def test_mono_call_separates_the_two_voices(calls: dict[str, Call]) -> None:
    call = calls["greeting_mono"]
    conversation = transcribe_call(call.path, TINY)
    assert {t.speaker for t in conversation.turns} == {"speaker_1", "speaker_2"}
    assert word_role_accuracy(conversation, call.spoken) >= 0.9
    agent_text = " ".join(t.text for t in conversation.turns if t.role is Role.AGENT)
    assert {"sarah", "goodbye"} <= set(_words(agent_text))


def test_mono_agent_found_by_formulas_though_customer_speaks_first(
        calls: dict[str, Call]) -> None:
    call = calls["customer_first_mono"]
    conversation = transcribe_call(call.path, TINY)
    assert conversation.turns[0].role is Role.CUSTOMER
    assert word_role_accuracy(conversation, call.spoken) >= 0.9


def test_mono_first_speaker_rule_when_configured_or_no_formula(calls: dict[str, Call]) -> None:
    first_speaker = replace(TINY, mono_roles=MonoRoleRule.FIRST_SPEAKER)
    flipped = transcribe_call(calls["customer_first_mono"].path, first_speaker)
    assert flipped.turns[0].role is Role.AGENT
    # The brusque agent uses no formula at all: the first speaker is taken as the agent.
    brusque = calls["brusque_mono"]
    conversation = transcribe_call(brusque.path, TINY)
    assert word_role_accuracy(conversation, brusque.spoken) >= 0.9


@pytest.mark.parametrize("sound", ["silence", "tone", "music"])
def test_non_speech_gives_no_turns(non_speech: dict[str, Path], sound: str) -> None:
    assert transcribe_call(non_speech[sound], TINY).turns == []


@pytest.mark.parametrize("name", ["empty.wav", "notes.wav", "noise_bytes.mp3",
                                  "truncated.wav", "truncated.flac"])
def test_unusable_files_raise_read_error_naming_the_file(damaged: dict[str, Path],
                                                         name: str) -> None:
    with pytest.raises(ReadError) as error:
        transcribe_call(damaged[name], TINY)
    assert error.value.location == str(damaged[name])


def test_progress_reports_the_seconds_done(shared_audio: Path) -> None:
    seen: list[tuple[float, float]] = []
    transcribe_call(shared_audio / "stereo_diarization.wav", TINY,
                    progress=lambda done, total: seen.append((done, total)))
    assert seen == [(5.0, 5.0)]

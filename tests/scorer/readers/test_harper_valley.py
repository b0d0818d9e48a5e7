from datetime import UTC, datetime

import pytest

from scorer.conversation import Channel, Role
from scorer.readers import ReaderOptions, read_file
from tests.scorer.readers.readers_paths import FIXTURES


def test_compact_sample(shared_corpus):
    path = shared_corpus("harper_valley_sample") / "0002f70f7386445b.compact.json"
    (call,) = read_file(path)
    assert call.id == "0002f70f7386445b" and call.channel is Channel.CALL
    assert call.turns[0].text == "hello this is harper valley national bank"
    assert (call.turns[0].start, call.turns[0].end) == (1.669, 4.339)
    assert {t.role for t in call.turns} == {Role.AGENT, Role.CUSTOMER}
    assert all(a.start <= b.start for a, b in zip(call.turns, call.turns[1:], strict=False))
    (asr,) = read_file(path, ReaderOptions(transcript="asr"))
    assert asr.turns[1].text == "my name is alyssa"  # the recogniser misheard "elizabeth"


def test_original_corpus_layout():
    (call,) = read_file(FIXTURES / "harper_valley_original.json")
    assert call.id == "harper_valley_original"
    # The "[noise]" segment carries no speech and is left out.
    assert [t.role for t in call.turns] == [Role.AGENT] * 3 + [Role.CUSTOMER] * 2
    assert call.start_time == datetime.fromtimestamp((1591056787005 - 1669) / 1000, tz=UTC)
    assert call.turns[0].words == []


def test_asr_text_keeps_word_timings():
    (call,) = read_file(FIXTURES / "harper_valley_original.json",
                        ReaderOptions(transcript="asr"))
    first = call.turns[0]
    assert first.text == "hello mr harper valley national bank"
    assert [w.word for w in first.words] == first.text.split()
    assert first.words[1].start == pytest.approx(1.669 + 0.69)
    assert first.words[-1].end == pytest.approx(first.end)

import shutil
from datetime import UTC, datetime

import pytest

from scorer.conversation import Channel, Role
from scorer.errors import CompanionFileError, ReadError
from scorer.readers import ReaderOptions, read_file, read_paths
from tests.scorer.readers.readers_paths import (
    FIXTURES,
    HARPER_VALLEY_METADATA,
    HARPER_VALLEY_SID,
    harper_valley_layout,
)

SID = HARPER_VALLEY_SID


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


def test_original_harper_valley_layout():
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


def test_corpus_layout_takes_agent_and_caller_from_the_metadata(tmp_path):
    data = harper_valley_layout(tmp_path)
    batch = read_paths([data])
    assert not batch.failures
    assert batch.companions == [data / "metadata" / f"{SID}.json"]
    (call,) = batch.conversations
    assert (call.id, call.agent_id, call.agent_name, call.customer_id) == (
        SID, "46", "Elizabeth", "44")
    # The segments' own clock anchors the turns, as without metadata.
    assert call.start_time == datetime.fromtimestamp((1591056787005 - 1669) / 1000, tz=UTC)
    assert read_paths([tmp_path]).conversations == [call]


def test_compact_copy_beside_its_metadata(tmp_path, shared_corpus):
    compact = shared_corpus("harper_valley_sample") / f"{SID}.compact.json"
    for folder in (tmp_path / "flat", tmp_path / "tree" / "transcript"):
        folder.mkdir(parents=True)
        shutil.copy(compact, folder)
    shutil.copy(HARPER_VALLEY_METADATA, tmp_path / "flat" / f"{SID}.json")
    (tmp_path / "tree" / "metadata").mkdir()
    shutil.copy(HARPER_VALLEY_METADATA, tmp_path / "tree" / "metadata" / f"{SID}.json")
    batch = read_paths([tmp_path])
    assert not batch.failures and len(batch.companions) == 2
    assert [(c.agent_id, c.customer_id) for c in batch.conversations] == [("46", "44")] * 2
    # Without start_timestamp_ms in the segments, the metadata's start time anchors the call.
    assert batch.conversations[0].start_time == datetime.fromtimestamp(1591056783.191, tz=UTC)


def test_metadata_alone_says_which_transcript_to_read(tmp_path):
    data = harper_valley_layout(tmp_path)
    metadata = data / "metadata" / f"{SID}.json"
    transcript = data / "transcript" / f"{SID}.json"
    with pytest.raises(CompanionFileError, match=f"Harper Valley metadata of call '{SID}'") as info:
        read_file(metadata)
    assert str(transcript) in info.value.message and info.value.location == str(metadata)
    # Named without its transcript, it is a failure; named with it (data/*/*.json), it is
    # set aside.
    batch = read_paths([metadata, FIXTURES / "iqs_single.json"])
    assert [f.location for f in batch.failures] == [str(metadata)] and batch.conversations
    batch = read_paths([metadata, transcript])
    assert [c.agent_id for c in batch.conversations] == ["46"] and not batch.failures
    assert batch.companions == [metadata]
    # A forced format does not make it a transcript.
    with pytest.raises(CompanionFileError):
        read_file(HARPER_VALLEY_METADATA, ReaderOptions(format="harper_valley"))


def test_broken_metadata_fails_its_transcript(tmp_path):
    data = harper_valley_layout(tmp_path)
    metadata = data / "metadata" / f"{SID}.json"
    text = HARPER_VALLEY_METADATA.read_text(encoding="utf-8")
    metadata.write_text(text.replace('"speaker_id": 46', '"speaker_id": null'), encoding="utf-8")
    with pytest.raises(ReadError, match=r"agent\.speaker_id") as info:
        read_file(data / "transcript" / f"{SID}.json")
    assert info.value.location == str(metadata)

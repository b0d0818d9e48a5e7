"""Mono calls: cutting at pauses, voice embeddings, clustering and the agent's role."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scorer.asr.audio import iter_chunks
from scorer.asr.mono import Voiced, agent_speaker, cluster_speakers, split_at_pauses
from scorer.asr.options import MonoRoleRule
from scorer.asr.results import RecognizedSegment, RecognizedWord
from scorer.asr.speaker_embedding import embed_utterances, mel_frames
from scorer.conversation import Role
from tests.scorer.asr.conftest import Call


def test_segments_are_cut_at_pauses_between_words() -> None:
    words = (RecognizedWord(" Fine,", 0.0, 0.4, 0.9), RecognizedWord(" thanks.", 0.45, 0.9, 0.9),
             RecognizedWord(" Your", 1.6, 1.8, 0.9), RecognizedWord(" name?", 1.85, 2.3, 0.9))
    segment = RecognizedSegment(0.0, 2.3, "Fine, thanks. Your name?", words, -0.2, 0.0)
    pieces = split_at_pauses(segment, 0.3)
    assert [(p.text, p.start, p.end) for p in pieces] == [("Fine, thanks.", 0.0, 0.9),
                                                          ("Your name?", 1.6, 2.3)]


def test_mel_front_end_matches_librosa() -> None:
    librosa = pytest.importorskip("librosa")
    samples = np.random.default_rng(1).normal(0, 0.1, 16_000).astype(np.float32)
    expected = librosa.feature.melspectrogram(y=samples, sr=16_000, n_fft=400, hop_length=160,
                                              n_mels=40, pad_mode="reflect").T
    assert np.allclose(mel_frames(samples), expected, rtol=1e-3, atol=1e-6)


def _lines_audio(call: Call) -> tuple[list[np.ndarray], list[Role]]:
    (chunk,) = iter_chunks(call.path)
    mono = chunk.samples.mean(axis=0)
    clips = [mono[int(s.start * 16_000):int(s.end * 16_000)] for s in call.spoken]
    return clips, [s.role for s in call.spoken]


def test_voices_embed_closer_to_themselves_than_to_each_other(
        calls: dict[str, Call], shared_audio: Path) -> None:
    clips, roles = _lines_audio(calls["greeting_mono"])
    embeddings = embed_utterances(clips)
    assert np.allclose(np.linalg.norm(embeddings, axis=1), 1.0, atol=1e-5)
    similarity = embeddings @ embeddings.T
    same = [similarity[i, j] for i in range(len(roles)) for j in range(i)
            if roles[i] is roles[j]]
    different = [similarity[i, j] for i in range(len(roles)) for j in range(i)
                 if roles[i] is not roles[j]]
    assert min(same) > max(different)
    # Two real people, one on each channel of the shared clip.
    (chunk,) = iter_chunks(shared_audio / "stereo_diarization.wav")
    left, right = embed_utterances([chunk.samples[0][:40_000], chunk.samples[1][:40_000]])
    assert float(left @ right) < 0.8


def _voiced(call: Call) -> list[Voiced]:
    clips, _ = _lines_audio(call)
    embeddings = embed_utterances(clips)
    return [Voiced(RecognizedSegment(s.start, s.end, s.text, (), -0.2, 0.0), e)
            for s, e in zip(call.spoken, embeddings, strict=True)]


def test_clustering_separates_the_two_voices(calls: dict[str, Call]) -> None:
    call = calls["greeting_mono"]
    labels = cluster_speakers(_voiced(call), same_speaker_similarity=0.8)
    assert labels == [0 if s.role is Role.AGENT else 1 for s in call.spoken]


def test_one_voice_stays_one_speaker(calls: dict[str, Call]) -> None:
    agent_only = [v for v in _voiced(calls["greeting_mono"])
                  if v.segment.text in {s.text for s in calls["greeting_mono"].spoken
                                        if s.role is Role.AGENT}]
    assert cluster_speakers(agent_only, same_speaker_similarity=0.8) == [0] * len(agent_only)


def test_the_agent_is_who_greets_as_an_agent() -> None:
    texts = {0: ["Hello? Hello, is this the bank?", "My card is lost."],
             1: ["Thank you for calling Acme Bank, this is Sarah, how can I help you?",
                 "Is there anything else I can help you with?"]}
    assert agent_speaker(texts, "en", MonoRoleRule.FORMULAS) == 1
    assert agent_speaker(texts, "en", MonoRoleRule.FIRST_SPEAKER) == 0
    # "Hello" alone, said by a customer, is no evidence of being the agent.
    assert agent_speaker({0: ["Yes?"], 1: ["Hello, I lost my card."]}, "en",
                         MonoRoleRule.FORMULAS) == 0
    # No formula pack for the language: the first speaker.
    assert agent_speaker(texts, "xx", MonoRoleRule.FORMULAS) == 0

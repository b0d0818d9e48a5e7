"""Mono calls: who spoke when, from voice embeddings clustered into (at most) two speakers,
and which of them is the agent.

Whisper segments can run across a change of speaker when the pause is short, so segments are
first cut at pauses between words. Each piece gets a voice embedding; pieces long enough to
carry a reliable voice print are clustered into two, the rest join the nearer cluster. Two
clusters that sound alike are one speaker.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from scorer.asr.audio import SAMPLE_RATE
from scorer.asr.options import MonoRoleRule
from scorer.asr.results import RecognizedSegment
from scorer.asr.turns import Attributed
from scorer.conversation import Role
from scorer.formulas import available_languages, load_pack
from scorer.matching import FormulaMatcher

_RELIABLE_SECONDS = 1.0  # shorter pieces carry too little voice to form a cluster
# Formulas that mark the agent. Customers say "hello" and may give their name too, so plain
# salutations count nothing and self-identification counts less than offering help.
_AGENT_EVIDENCE = {("greeting", "offer_of_help"): 2.0, ("farewell", "anything_else"): 2.0,
                   ("greeting", "self_identification"): 1.0}
_COMPANY_SALUTATION = 2.0  # "thank you for calling {company}" is said by the agent only


@dataclass(frozen=True, slots=True)
class Voiced:
    """A piece of speech and the voice embedding of its audio."""

    segment: RecognizedSegment
    embedding: np.ndarray


def split_at_pauses(segment: RecognizedSegment, min_pause: float) -> list[RecognizedSegment]:
    """`segment` cut wherever its words leave a gap of at least `min_pause` seconds."""
    if len(segment.words) < 2:
        return [segment]
    pieces: list[RecognizedSegment] = []
    first = 0
    for i in range(1, len(segment.words) + 1):
        if i < len(segment.words) and segment.words[i].start - segment.words[i - 1].end < min_pause:
            continue
        words = segment.words[first:i]
        pieces.append(replace(segment, start=words[0].start, end=words[-1].end, words=words,
                              text="".join(w.text for w in words).strip()))
        first = i
    return pieces


def embed_pieces(samples: np.ndarray, chunk_start: float,
                 pieces: list[RecognizedSegment]) -> list[Voiced]:
    """Voice embeddings of `pieces`, cut from the chunk `samples` that begins at `chunk_start`."""
    from scorer.asr.speaker_embedding import embed_utterances  # torch: only for mono calls

    clips = []
    for piece in pieces:
        first = max(0, int((piece.start - chunk_start) * SAMPLE_RATE))
        last = min(len(samples), max(first + 1, int((piece.end - chunk_start) * SAMPLE_RATE)))
        clips.append(samples[first:last])
    embeddings = embed_utterances(clips)
    return [Voiced(p, e) for p, e in zip(pieces, embeddings, strict=True)]


def cluster_speakers(voiced: list[Voiced], same_speaker_similarity: float) -> list[int]:
    """Speaker number (0 = who speaks first) of each piece; all 0 if only one voice is heard."""
    if len(voiced) < 2:
        return [0] * len(voiced)
    embeddings = np.stack([v.embedding for v in voiced])
    durations = np.array([v.segment.end - v.segment.start for v in voiced])
    reliable = durations >= _RELIABLE_SECONDS
    if reliable.sum() < 2:
        reliable[:] = True
    from sklearn.cluster import KMeans  # only for mono calls

    # k-means, not linkage clustering: linkage splits off a lone odd piece as the second voice.
    kmeans = KMeans(n_clusters=2, n_init=10, random_state=0)
    first_labels = kmeans.fit_predict(embeddings[reliable], sample_weight=durations[reliable])
    centroids = _centroids(embeddings[reliable], durations[reliable], first_labels)
    if float(centroids[0] @ centroids[1]) >= same_speaker_similarity:
        return [0] * len(voiced)
    labels = np.argmax(embeddings @ centroids.T, axis=1)
    order = sorted(range(len(voiced)), key=lambda i: voiced[i].segment.start)
    first_speaker = int(labels[order[0]])
    return [0 if int(label) == first_speaker else 1 for label in labels]


def _centroids(embeddings: np.ndarray, weights: np.ndarray, labels: np.ndarray) -> np.ndarray:
    centroids = np.stack([(embeddings[labels == k] * weights[labels == k, None]).sum(axis=0)
                          for k in (0, 1)])
    return centroids / np.linalg.norm(centroids, axis=1, keepdims=True).clip(min=1e-8)


def agent_speaker(texts_by_speaker: dict[int, list[str]], language: str | None,
                  rule: MonoRoleRule) -> int:
    """The speaker number of the agent: whoever uses the agent's greeting and closing formulas
    more (speaker 0, the first to speak, when the rule says so or it is a tie)."""
    if rule is MonoRoleRule.FIRST_SPEAKER or language not in available_languages():
        return 0
    matcher = FormulaMatcher.for_pack(load_pack(str(language)))
    scores = {speaker: sum(_agent_evidence(matcher, text) for text in texts)
              for speaker, texts in texts_by_speaker.items()}
    best = max(scores.values(), default=0.0)
    leaders = [s for s, score in scores.items() if score == best]
    return leaders[0] if best > 0 and len(leaders) == 1 else 0


def _agent_evidence(matcher: FormulaMatcher, text: str) -> float:
    matches = matcher.find(text, "greeting") + matcher.find(text, "farewell", "anything_else")
    return sum(_COMPANY_SALUTATION if m.element == "salutation" and "{" in m.formula
               else _AGENT_EVIDENCE.get((m.section, m.element or ""), 0.0) for m in matches)


def attribute_speakers(voiced: list[Voiced], language: str | None, rule: MonoRoleRule,
                       same_speaker_similarity: float) -> list[Attributed]:
    """Every piece with its speaker (`speaker_1`, `speaker_2` in order of first speech) and role."""
    labels = cluster_speakers(voiced, same_speaker_similarity)
    texts: dict[int, list[str]] = {}
    for v, label in zip(voiced, labels, strict=True):
        texts.setdefault(label, []).append(v.segment.text)
    agent = agent_speaker(texts, language, rule)
    return [
        Attributed(v.segment, speaker=f"speaker_{label + 1}",
                   role=Role.AGENT if label == agent else Role.CUSTOMER)
        for v, label in zip(voiced, labels, strict=True)
    ]

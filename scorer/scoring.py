"""Scoring one conversation against a scorecard: language detection, timing, every criterion,
then the weighted 0-100 score with critical failures."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import BaseModel, Field

from models.encoders.memo import MemoEncoder
from scorer.conversation import Channel, Conversation
from scorer.criteria import Criterion, CriterionContext, CriterionResult
from scorer.errors import ConfigError
from scorer.formulas import FormulaPack, load_pack
from scorer.language import detect_languages
from scorer.matching import FormulaMatcher
from scorer.scorecard import CriterionSpec, Scorecard
from scorer.timing import TimingMetrics, measure_timing

ENCODING_CHUNK = 64
"""Conversations whose texts are encoded together: ~600 agent turns of 20-turn chats."""


class ConversationScore(BaseModel):
    id: str
    agent_id: str | None
    channel: Channel
    language: str | None
    score: float | None = Field(description="0-100; None when no criterion applies")
    weighted_score: float | None
    passed: bool
    critical_failures: list[str]
    criteria: dict[str, CriterionResult]
    timing: TimingMetrics | None = None
    source: str | None = None


class Scorer:
    """Scores conversations against one scorecard; build once, reuse for a batch."""

    def __init__(self, scorecard: Scorecard, language: str | None = None) -> None:
        self.scorecard = scorecard
        self.language = language
        self._criteria: list[tuple[str, CriterionSpec, Criterion[Any]]] = (
            scorecard.build_criteria())
        self._packs: dict[str, FormulaPack | None] = {}
        self._matchers: dict[tuple[str, tuple[tuple[str, str], ...]], FormulaMatcher] = {}

    def score(self, conversation: Conversation) -> ConversationScore:
        [context] = contexts = [self._prepare(conversation)]
        self._encode_ahead(contexts)
        return self._score(context)

    def score_many(self, conversations: Iterable[Conversation],
                   chunk_size: int = ENCODING_CHUNK) -> Iterator[ConversationScore]:
        """Score in order, encoding the texts of each chunk of conversations together (one
        large, length-sorted batch per encoder instead of small ones per criterion and
        conversation). The scores are those of `score`, one at a time."""
        chunk: list[Conversation] = []
        for conversation in conversations:
            chunk.append(conversation)
            if len(chunk) == chunk_size:
                yield from self._score_chunk(chunk)
                chunk = []
        if chunk:
            yield from self._score_chunk(chunk)

    def _score_chunk(self, chunk: list[Conversation]) -> Iterator[ConversationScore]:
        contexts = [self._prepare(conversation) for conversation in chunk]
        self._encode_ahead(contexts)
        for context in contexts:
            yield self._score(context)

    def _encode_ahead(self, contexts: list[CriterionContext]) -> None:
        """Encode what every criterion declares it will encode for `contexts`
        (`Criterion.encodings`): each text once, one call per encoder (which sorts the texts
        by length into batches). The vectors wait in the encoders' memo for `evaluate`."""
        wanted: dict[str, tuple[MemoEncoder, dict[str, None]]] = {}
        for _, _, criterion in self._criteria:
            for context in contexts:
                for encoder, texts in criterion.encodings(context):
                    texts_of = wanted.setdefault(encoder.memo_key, (encoder, {}))[1]
                    texts_of.update(dict.fromkeys(texts))
        for encoder, texts_of in wanted.values():
            encoder.encode(list(texts_of))

    def _prepare(self, conversation: Conversation) -> CriterionContext:
        conversation = detect_languages(conversation, tuple(self.scorecard.languages),
                                        override=self.language)
        timing = measure_timing(conversation)
        names = self._names(conversation)
        return CriterionContext(conversation, lambda lang: self._matcher(lang, names),
                                   timing, names)

    def _evaluate(self, context: CriterionContext) -> dict[str, CriterionResult]:
        return {key: criterion.evaluate(context).model_copy(update={"name": key})
                for key, _, criterion in self._criteria}

    def _score(self, context: CriterionContext) -> ConversationScore:
        return self._combine(context.conversation, self._evaluate(context), context.timing)

    def _names(self, conversation: Conversation) -> dict[str, str | None]:
        agent_name = conversation.agent_name or self.scorecard.agent_names.get(
            conversation.agent_id or "")
        return {"company": self.scorecard.company, "agent_name": agent_name}

    def _pack(self, language: str) -> FormulaPack | None:
        if language not in self._packs:
            try:
                pack: FormulaPack | None = load_pack(language)
            except ConfigError:
                pack = None  # a language without a pack: formula criteria cannot match it
            additions = self.scorecard.formulas.get(language)
            if pack is not None and additions:
                pack = pack.extended(additions)
            self._packs[language] = pack
        return self._packs[language]

    def _matcher(self, language: str, names: dict[str, str | None]) -> FormulaMatcher | None:
        pack = self._pack(language)
        if pack is None:
            return None
        key = (language, tuple(sorted((k, v or "") for k, v in names.items())))
        if key not in self._matchers:
            self._matchers[key] = FormulaMatcher.for_pack(pack, names)
        return self._matchers[key]

    def _combine(self, conversation: Conversation, results: dict[str, CriterionResult],
                 timing: TimingMetrics | None) -> ConversationScore:
        specs = {key: spec for key, spec, _ in self._criteria}
        applicable = {k: r for k, r in results.items() if r.applicable and r.score is not None}
        total_weight = sum(specs[k].weight for k in applicable)
        weighted = (100 * sum(specs[k].weight * (r.score or 0.0) for k, r in applicable.items())
                    / total_weight) if total_weight else None
        critical = [k for k, r in applicable.items() if specs[k].critical and not r.passed]
        # A failed critical item fails the whole conversation, whatever the rest earned.
        score = 0.0 if critical else weighted
        return ConversationScore(
            id=conversation.id, agent_id=conversation.agent_id, channel=conversation.channel,
            language=conversation.language,
            score=round(score, 2) if score is not None else None,
            weighted_score=round(weighted, 2) if weighted is not None else None,
            passed=score is not None and score >= self.scorecard.pass_score,
            critical_failures=critical, criteria=results, timing=timing,
            source=conversation.source)

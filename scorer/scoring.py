"""Scoring one conversation against a scorecard: language detection, timing, every criterion,
then the weighted 0-100 score with critical failures."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Generator, Iterable, Iterator
from typing import Any

from pydantic import BaseModel, Field

from models.encoders.memo import Recorded, recording
from scorer.conversation import Channel, Conversation
from scorer.criteria import Criterion, CriterionContext, CriterionResult
from scorer.errors import ConfigError
from scorer.formulas import FormulaPack, load_pack
from scorer.language import detect_languages
from scorer.matching import FormulaMatcher
from scorer.scorecard import CriterionSpec, Scorecard
from scorer.timing import TimingMetrics, measure_timing

PREFETCH_CHUNK = 64
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
        # Criteria that may call a sentence encoder: the ones score_many's prefetch runs.
        self._encoding = {key for key, _, _ in self._criteria}

    def score(self, conversation: Conversation) -> ConversationScore:
        return self._score(self._prepare(conversation))

    def score_many(self, conversations: Iterable[Conversation], prefetch: bool = True,
                   chunk_size: int = PREFETCH_CHUNK) -> Iterator[ConversationScore]:
        """Score in order. With `prefetch`, the sentence encoders run once per chunk of
        conversations, in large batches, instead of once per criterion and conversation: a
        first pass over the chunk records the texts the criteria encode (each criterion up to
        its first encoder call; its results are discarded), the texts are encoded together
        into the encoders' memo, then the real pass reads them from there. Formula matches
        found in the first pass are kept for the second; a criterion that encodes nothing in
        a whole chunk is left out of later first passes. The scores are the same either
        way."""
        chunk: list[Conversation] = []
        for conversation in conversations:
            chunk.append(conversation)
            if len(chunk) == chunk_size:
                prefetch = yield from self._score_chunk(chunk, prefetch)
                chunk = []
        if chunk:
            yield from self._score_chunk(chunk, prefetch)

    def _score_chunk(self, chunk: list[Conversation],
                     prefetch: bool) -> Generator[ConversationScore, None, bool]:
        """Yield the chunk's scores; return whether prefetching is worth it for the next."""
        contexts = [self._prepare(conversation) for conversation in chunk]
        if prefetch:
            with recording() as plan, warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for key, _, criterion in self._criteria:
                    if key not in self._encoding:
                        continue
                    calls = plan.calls
                    for context in contexts:
                        # Recorded: the criterion's first encoder call, noted. An error is
                        # raised again, and reported, by the real pass.
                        with contextlib.suppress(Recorded, Exception):
                            criterion.evaluate(context)
                    if plan.calls == calls:
                        # It encoded nothing in a whole chunk: later chunks skip it.
                        self._encoding.discard(key)
            plan.fetch()
        for context in contexts:
            yield self._score(context)
        return prefetch and bool(self._encoding)

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

"""Scoring one conversation against a scorecard: language detection, timing, every criterion,
then the weighted 0-100 score with critical failures."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from scorer.conversation import Channel, Conversation
from scorer.criteria import Criterion, CriterionContext, CriterionResult
from scorer.errors import ConfigError
from scorer.formulas import FormulaPack, load_pack
from scorer.language import detect_languages
from scorer.matching import FormulaMatcher
from scorer.scorecard import CriterionSpec, Scorecard
from scorer.timing import TimingMetrics, measure_timing


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
        conversation = detect_languages(conversation, tuple(self.scorecard.languages),
                                        override=self.language)
        timing = measure_timing(conversation)
        names = self._names(conversation)
        context = CriterionContext(conversation, lambda lang: self._matcher(lang, names),
                                   timing, names)
        results = {key: criterion.evaluate(context).model_copy(update={"name": key})
                   for key, _, criterion in self._criteria}
        return self._combine(conversation, results, timing)

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


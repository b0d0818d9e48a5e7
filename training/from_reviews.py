"""People's reviews as labelled transcripts: one stored conversation, its latest review and the
machine run that review judged become one line of the format `iqs train` reads
(training/LABELLED_TRANSCRIPTS.md, "Labels from the QA service's reviews"). Pure: no store.

Only verdicts that say something about particular turns give labels:

- `politeness` (criterion type politeness): passed by the human → every agent turn with text
  `polite`; failed → the agent turns the machine's evidence pointed at (rudeness found, or the
  model's least polite turn), else every agent turn, `impolite`.
- `dialog_acts` from `greeting` passed → the first agent turn `greeting`; from `farewell` passed
  → the last agent turn `closing`. A failed greeting or farewell gives none: it may have failed
  on a missing element (the agent's name, "anything else?") of a turn that did greet or close.
- `quality` (criterion type quality): the human's verdict as `passed`.

Empathy, jargon and response time give none: a verdict on them does not say which turn or
word was (not) empathic or complex, and response time is no text task."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scorer.agreement import human_verdict
from scorer.conversation import Conversation, Role

GREETING, CLOSING = "greeting", "closing"
"""The dialog acts of training/tasks/dialog_acts.py that greetings and farewells give."""
POLITE, IMPOLITE = "polite", "impolite"
"""training/tasks/politeness.py's labels (not imported: that loads the corpus readers)."""
POINTING_NOTES = ("rudeness", "least polite")
"""Evidence notes of the politeness criterion that point at an impolite turn."""


@dataclass(frozen=True)
class MachineResult:
    """A criterion's stored machine result: its verdict and evidence (as stored)."""

    passed: bool | None
    applicable: bool
    evidence: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class ReviewedRun:
    """A conversation's latest review with the run it judged and the scorecard's criteria."""

    conversation: Conversation
    verdicts: Mapping[str, Mapping[str, Any]]
    """The review's criteria: name → {agree, passed, score, comment}."""
    results: Mapping[str, MachineResult]
    criterion_types: Mapping[str, str]
    """Scorecard criterion name → its type (`greeting`, `politeness`, ...)."""
    thresholds: Mapping[str, float]
    reviewer: str | None = None
    reviewed_at: datetime | None = None


def effective_verdicts(reviewed: ReviewedRun) -> dict[str, bool]:
    """Reviewed criterion → the human's verdict, where the machine gave one to judge."""
    found = {}
    for name, verdict in reviewed.verdicts.items():
        result = reviewed.results.get(name)
        if result is None or not result.applicable or result.passed is None:
            continue
        if name in reviewed.thresholds:
            found[name] = human_verdict(verdict, result.passed, reviewed.thresholds[name])
    return found


def labels_of(reviewed: ReviewedRun) -> dict[str, Any]:
    """The labels the review's verdicts give (see the module docstring); {} when none."""
    turns = reviewed.conversation.turns
    agent = [i for i, t in enumerate(turns) if t.role is Role.AGENT and t.text.strip()]
    politeness: dict[str, str] = {}
    acts: dict[str, str] = {}
    labels: dict[str, Any] = {}
    for name, passed in effective_verdicts(reviewed).items():
        kind = reviewed.criterion_types.get(name, name)
        if kind == "politeness" and agent:
            chosen = agent if passed else (_pointed(reviewed.results[name], agent) or agent)
            politeness.update({str(i): POLITE if passed else IMPOLITE for i in chosen})
        elif kind == "greeting" and passed and agent:
            acts[str(agent[0])] = GREETING
        elif kind == "farewell" and passed and agent:
            acts[str(agent[-1])] = CLOSING
        elif kind == "quality":
            labels["quality"] = {"passed": passed}
    if politeness:
        labels["politeness"] = {"turns": politeness}
    if acts:
        labels["dialog_acts"] = {"turns": acts}
    return labels


def _pointed(result: MachineResult, agent: list[int]) -> list[int]:
    turns = {e.get("turn") for e in result.evidence
             if str(e.get("note") or "").startswith(POINTING_NOTES)}
    return [i for i in agent if i in turns]


def labelled_line(reviewed: ReviewedRun) -> dict[str, Any] | None:
    """One labelled-transcripts line, or None when the review gives no labels."""
    labels = labels_of(reviewed)
    if not labels:
        return None
    conversation = reviewed.conversation.model_dump(mode="json", exclude_none=True)
    line: dict[str, Any] = {"conversation": conversation, "labels": labels}
    if reviewed.reviewer is not None:
        line["reviewer"] = reviewed.reviewer
    if reviewed.reviewed_at is not None:
        line["reviewed_at"] = reviewed.reviewed_at.isoformat()
    return line

"""Training a model from the store's reviews (a job of kind "train"): the latest reviews under a
scorecard version as labelled transcripts, split by conversation into train and held-back
(deterministic by seed); a new version of the model trained on the first; on the second, the
criterion's machine verdicts with the scorecard's active model and with the new one against the
people's verdicts, stored in the new model's manifest (models/registry.py ReviewComparison).

Idempotent: the trained version is recorded in the job's result, so a job taken over from a
dead worker measures that version rather than training another."""

from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from api.jobs.lifecycle import JobInterrupted
from api.jobs.runtime import Runtime
from api.store import tables
from api.store.db import transaction
from api.store.queries.filters import EVERYTHING
from api.store.queries.training_data import reviewed_runs
from models.registry import (
    REVIEWS_CORPUS,
    Agreement,
    LoadedModel,
    ReviewComparison,
    attach_comparison,
    default_model,
    load_model,
)
from scorer.agreement import Pair, agreement
from scorer.criteria.models import DEFAULT_MODEL, load_criterion_model
from scorer.errors import ConfigError, IQSError
from scorer.scorecard import Scorecard
from scorer.scoring import Scorer
from training.evaluate import held_out_metrics
from training.from_reviews import ReviewedRun, effective_verdicts, labelled_line
from training.labelled import labelled_set
from training.tasks import get_task

TASK_OF_CRITERION = {"politeness": "politeness", "greeting": "dialog-acts",
                     "farewell": "dialog-acts", "quality": "quality"}
"""Criterion type → the task whose model it reads and whose labels its reviews give."""


def split(conversation_ids: list[int], share: float, seed: int) -> set[int]:
    """The held-back conversations: `share` of them (at least one), drawn by `seed`."""
    ordered = sorted(set(conversation_ids))
    count = max(1, round(len(ordered) * share)) if ordered else 0
    return set(random.Random(seed).sample(ordered, count))


def train_from_reviews(runtime: Runtime, job_id: str, payload: dict[str, Any],
                       lost: Any) -> None:
    with runtime.sessions() as session:
        version = session.get(tables.ScorecardVersion, int(payload["scorecard_version_id"]))
        assert version is not None
        card = runtime.scorer(version).scorecard
        reviewed = dict(reviewed_runs(session, version, EVERYTHING))
        done = dict(_job(session, job_id).result)
    criterion, task = payload["criterion"], get_task(payload["task"])
    where = f"reviews of scorecard {version.scorecard_name} v{version.version}"
    held = split(list(reviewed), payload["held_out_share"], payload["seed"])
    train = {i: r for i, r in reviewed.items() if i not in held}
    back = {i: r for i, r in reviewed.items() if i in held}
    if lost.is_set():
        raise JobInterrupted(job_id)
    with tempfile.TemporaryDirectory(prefix="iqs-train-") as folder:
        train_file = _write(Path(folder) / "train.jsonl", train.values())
        back_file = _write(Path(folder) / "held-back.jsonl", back.values())
        model_folder = _trained(runtime, job_id, done, payload, train_file, where)
        new = load_model(payload["name"], int(model_folder.name))
        active = _active_model(card, criterion, task.name)
        with runtime.scoring:
            comparison = ReviewComparison(
                scorecard=version.scorecard_name, scorecard_version=version.version,
                criterion=criterion, seed=payload["seed"],
                held_out_share=payload["held_out_share"], trained_reviews=len(train),
                held_back_reviews=len(back),
                active=_agreement(card, criterion, None, active, back, task.name, back_file),
                new=_agreement(card, criterion, payload["name"], new, back, task.name,
                               back_file))
    attach_comparison(model_folder, comparison)
    with transaction(runtime.sessions) as session:
        job = _job(session, job_id)
        job.result = {**job.result, "comparison": comparison.model_dump(mode="json")}
        job.progress_done = 1


def _job(session: Session, job_id: str) -> tables.Job:
    job = session.get(tables.Job, job_id)
    assert job is not None
    return job


def _write(path: Path, runs: Any) -> Path:
    lines = [labelled_line(r) for r in runs]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines if line is not None),
                    encoding="utf-8")
    return path


def _trained(runtime: Runtime, job_id: str, done: dict[str, Any], payload: dict[str, Any],
             train_file: Path, where: str) -> Path:
    """The model version this job trained: the one its result names, else a new one."""
    from models.registry import user_root
    from training.train import train_task

    if "version" in done and (user_root() / payload["name"] / str(done["version"])).is_dir():
        return user_root() / payload["name"] / str(done["version"])
    if not train_file.read_text(encoding="utf-8").strip():
        raise IQSError(f"no review gives {payload['task']} labels in the training share",
                       location=where)
    try:
        with runtime.scoring:  # the encoders are shared with the scorers: one user at a time
            folder = train_task(payload["task"], data=train_file, name=payload["name"],
                                corpus=REVIEWS_CORPUS)
    except ConfigError as exc:
        share = 1 - payload["held_out_share"]
        raise IQSError(f"{exc.message} (in the training share, {share:.0%} of the reviewed "
                       "conversations)", location=where) from exc
    load_criterion_model.cache_clear()  # the process's criteria load the new version by name
    with transaction(runtime.sessions) as session:
        job = _job(session, job_id)
        job.result = {**job.result, "model": payload["name"], "version": int(folder.name)}
    return folder


def _active_model(card: Scorecard, criterion: str, task: str) -> LoadedModel | None:
    name = card.criteria[criterion].params.get("model", DEFAULT_MODEL)
    if name is None:
        return None
    return default_model(task, "en") if name == DEFAULT_MODEL else load_model(name)


def _agreement(card: Scorecard, criterion: str, model_name: str | None,
               model: LoadedModel | None, back: dict[int, ReviewedRun], task: str,
               back_file: Path) -> Agreement:
    """The criterion's verdicts on the held-back conversations (with `model_name` as its
    model, else the scorecard's) against the people's, and the task's metrics of `model`."""
    spec = card.criteria[criterion]
    if model_name is not None:
        spec = spec.model_copy(update={"params": {**spec.params, "model": model_name}})
    scorer = Scorer(card.model_copy(update={"criteria": {criterion: spec}}))
    pairs = []
    for run in back.values():  # the caller holds the runtime's scoring lock
        human = effective_verdicts(run).get(criterion)
        if human is None:
            continue
        machine = scorer.score(run.conversation).criteria[criterion]
        if machine.applicable and machine.passed is not None:
            pairs.append(Pair(machine=machine.passed, human=human, agreed=machine.passed == human))
    if not pairs:
        raise IQSError(f"no held-back review of {criterion!r} with a verdict to compare; "
                       "review more conversations or hold back a larger share",
                       location="held_out_share")
    measured = agreement(pairs)
    return Agreement(model=_label(model), kappa=measured.kappa.value,
                     accuracy=measured.accuracy, n=measured.n,
                     task_metrics=_task_metrics(model, task, back_file))


def _label(model: LoadedModel | None) -> str:
    return "none" if model is None else f"{model.manifest.name} v{model.manifest.version}"


def _task_metrics(model: LoadedModel | None, task: str, back_file: Path) -> dict[str, Any]:
    if model is None or not back_file.read_text(encoding="utf-8").strip():
        return {}
    try:
        data = labelled_set(task, back_file)
    except IQSError:
        return {}  # no labels of the task among the held-back reviews
    metrics = held_out_metrics(get_task(task), model.estimator, data)
    return metrics.model_dump(mode="json", exclude={"confusion"})

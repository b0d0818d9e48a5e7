"""Train a task's head and save it in the registry with its manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sklearn.base import clone

from models.registry import TrainingData, examples_sha256, relative_to_shared, save_model
from training.evaluate import cross_validated, held_out_metrics
from training.tasks import get_task
from training.tasks.base import Task


def train_task(task_name: str, encoder: str | None = None, data: Path | None = None,
               out_root: Path | None = None, name: str | None = None,
               measure: bool = False) -> Path:
    """Fit the task's head on its training data (or `data`) and save it under `out_root`
    (default: the user root). With `measure`, the task's standard evaluations are run and
    written into the manifest. Returns the model's folder."""
    task = get_task(task_name)
    encoder = encoder or task.default_encoders[0]
    dataset = task.training_data(data)
    estimator = task.estimator(encoder).fit(dataset.inputs, dataset.labels)
    metrics, languages = _measure(task, estimator) if measure else ({}, [])
    training = TrainingData(
        corpora=list(dataset.corpora), files=relative_to_shared(dataset.files),
        sha256=examples_sha256(dataset.inputs, dataset.labels),
        n_examples=len(dataset.labels), licence=dataset.licence)
    return save_model(
        estimator, name=name or task.model_name(Path(encoder).name, dataset.licence),
        task=task.name, encoder=encoder, encoder_model_id=estimator.encoder_model_id_,
        labels=[str(label) for label in estimator.classes_], training=training,
        metrics=metrics, languages=languages, serves_languages=task.serves_languages(encoder),
        root=out_root)


def _measure(task: Task, estimator: Any) -> tuple[dict[str, dict[str, Any]], list[str]]:
    metrics: dict[str, dict[str, Any]] = {}
    languages: list[str] = []
    for evaluation in task.evaluations():
        if evaluation.protocol == "cv":
            result = cross_validated(task, clone(estimator), evaluation.data, evaluation.folds)
        else:
            result = held_out_metrics(task, estimator, evaluation.data)
        metrics[evaluation.description] = result.model_dump(exclude={"confusion"})
        languages += [lang for lang in evaluation.data.languages if lang not in languages]
    return metrics, languages

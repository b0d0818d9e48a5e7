"""Typed loaders for the shared public corpora (one module per corpus). Each reads the shared
copy by default or any file or folder in the same format, and returns a `Corpus` that carries
its licence class: `ship` data may train shipped models, `eval` data only measures them."""

from corpora.loaders.base import Corpus, Licence
from corpora.loaders.convokit_politeness import PolitenessLexicon, load_politeness_lexicon
from corpora.loaders.cwi2018 import CwiTarget, load_cwi
from corpora.loaders.empathic_reactions import EmpathicEssay, load_empathic_reactions
from corpora.loaders.empathy_epitome import EpitomeExample, load_epitome
from corpora.loaders.stanford_politeness import (
    PolitenessRequest,
    binary_requests,
    load_stanford_politeness,
)
from corpora.loaders.stc3 import QualityRating, Stc3Dialogue, Stc3Turn, load_stc3
from corpora.loaders.swda import SwdaUtterance, load_swda
from corpora.loaders.tydip import StrategyTerm, TydipRequest, load_strategy_terms, load_tydip

__all__ = [
    "Corpus",
    "CwiTarget",
    "EmpathicEssay",
    "EpitomeExample",
    "Licence",
    "PolitenessLexicon",
    "PolitenessRequest",
    "QualityRating",
    "Stc3Dialogue",
    "Stc3Turn",
    "StrategyTerm",
    "SwdaUtterance",
    "TydipRequest",
    "binary_requests",
    "load_cwi",
    "load_empathic_reactions",
    "load_epitome",
    "load_politeness_lexicon",
    "load_stanford_politeness",
    "load_stc3",
    "load_strategy_terms",
    "load_swda",
    "load_tydip",
]

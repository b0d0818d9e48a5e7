"""Personal-data redaction: cards, phones, e-mails, IBANs, accounts, national ids and
customers' names, per language, in text and in call audio timings. A library stage: no I/O
beyond the bundled per-language packs (`corpora/redaction/<lang>.yaml`)."""

from scorer.redaction.model import KINDS, Entity, Redaction
from scorer.redaction.redactor import Redactor

__all__ = ["KINDS", "Entity", "Redaction", "Redactor"]

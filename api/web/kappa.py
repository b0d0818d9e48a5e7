"""Why a kappa is undefined (scorer/agreement.py's reasons), in the page's language."""

from __future__ import annotations

from api.web.i18n import Language
from scorer.agreement import (
    FEW_RATERS,
    FEW_RATERS_PER_SUBJECT,
    NO_MAJORITY,
    NO_PAIRS,
    NO_SUBJECTS,
    NOT_ALL_RATED,
    ONE_CLASS,
    ONE_CLASS_MAJORITY,
    RATINGS_ONE_CLASS,
)


def kappa_notes(language: Language) -> dict[str, str]:
    """The reasons scorer/agreement.py gives for an undefined kappa, in the page's language."""
    _ = language.gettext
    return {NO_PAIRS: _("no reviewed criteria with a machine verdict"),
            ONE_CLASS.format("passed"): _("undefined: every verdict was pass, machine's and "
                                          "human's"),
            ONE_CLASS.format("failed"): _("undefined: every verdict was fail, machine's and "
                                          "human's"),
            NO_SUBJECTS: _("no conversations"),
            FEW_RATERS_PER_SUBJECT: _("fewer than two reviewers per conversation"),
            RATINGS_ONE_CLASS: _("undefined: every verdict is the same"),
            FEW_RATERS: _("fewer than two reviewers"),
            NOT_ALL_RATED: _("no conversation was reviewed by every reviewer"),
            NO_MAJORITY: _("no conversation with a majority verdict (ties are left out)"),
            ONE_CLASS_MAJORITY.format("passed"): _("undefined: the reviewer and the majority "
                                                   "passed throughout"),
            ONE_CLASS_MAJORITY.format("failed"): _("undefined: the reviewer and the majority "
                                                   "failed throughout")}

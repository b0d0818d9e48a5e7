"""Stanford Politeness Corpus (Danescu-Niculescu-Mizil et al., ACL 2013): requests from
Wikipedia talk pages and Stack Exchange, each rated by five annotators.

The paper's binary task takes the top quartile of `Normalized Score` as polite and the bottom
quartile as impolite, separately per domain; the middle half is left unlabelled here."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np

from corpora.loaders.base import (
    Corpus,
    Licence,
    licence_for,
    parse_int,
    parse_number,
    read_csv_records,
    resolve_sources,
)

CORPUS = "stanford_politeness"
LICENCE: Licence = "ship"

Domain = Literal["wikipedia", "stack-exchange"]
_SCORE_COLUMNS = ("Score1", "Score2", "Score3", "Score4", "Score5")
_COLUMNS = ("Community", "Id", "Request", *_SCORE_COLUMNS, "Normalized Score")


@dataclass(frozen=True)
class PolitenessRequest:
    id: str
    domain: Domain
    community: str
    text: str
    annotator_scores: tuple[int, ...]
    """The five raw ratings, 1 (very impolite) to 25 (very polite)."""
    normalized_score: float
    label: int | None
    """1 polite (top quartile of its domain), 0 impolite (bottom quartile), None otherwise."""
    source: str
    """file:line the request was read from."""


def load_stanford_politeness(path: str | Path | None = None,
                             licence: Licence | None = None) -> Corpus[PolitenessRequest]:
    """All requests of the `*.annotated.csv` files under `path` (default: the shared copy),
    with quartile labels computed per domain over the requests read."""
    sources = resolve_sources(path, CORPUS, "*.annotated.csv")
    requests = [request for source in sources for request in _read_file(source)]
    return Corpus(CORPUS, licence_for(path, licence, LICENCE), sources,
                  tuple(_with_quartile_labels(requests)))


def binary_requests(corpus: Corpus[PolitenessRequest], domain: Domain) -> Corpus[PolitenessRequest]:
    """The paper's binary task for one domain: only the top and bottom quartiles."""
    return corpus.where(lambda r: r.domain == domain and r.label is not None)


def _read_file(path: Path) -> list[PolitenessRequest]:
    requests = []
    for line, row in read_csv_records(path, _COLUMNS):
        location = f"{path}:{line}"
        community = row["Community"].strip()
        requests.append(PolitenessRequest(
            id=row["Id"],
            domain="wikipedia" if community.lower() == "wikipedia" else "stack-exchange",
            community=community,
            text=row["Request"],
            annotator_scores=tuple(parse_int(row[c], c, location) for c in _SCORE_COLUMNS),
            normalized_score=parse_number(row["Normalized Score"], "Normalized Score", location),
            label=None,
            source=location,
        ))
    return requests


def _with_quartile_labels(requests: list[PolitenessRequest]) -> list[PolitenessRequest]:
    scores_by_domain: dict[str, list[float]] = defaultdict(list)
    for request in requests:
        scores_by_domain[request.domain].append(request.normalized_score)
    bounds = {domain: (float(np.quantile(scores, 0.25)), float(np.quantile(scores, 0.75)))
              for domain, scores in scores_by_domain.items()}
    labelled = []
    for request in requests:
        low, high = bounds[request.domain]
        score = request.normalized_score
        label = 1 if score >= high else 0 if score <= low else None
        labelled.append(replace(request, label=label))
    return labelled

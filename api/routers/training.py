"""Training data and models from people's reviews: the reviews as labelled transcripts
(training/LABELLED_TRANSCRIPTS.md), a job training a model version on them and measuring it
against the held-back reviews, and the model registry."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, HTTPException, Path
from fastapi.responses import StreamingResponse

from api.deps import QueueDep, RuntimeDep, SessionDep, VersionDep, ViewerDep
from api.errors import ERRORS
from api.jobs import lifecycle
from api.jobs.tasks import TRAIN
from api.jobs.training import TASK_OF_CRITERION
from api.schemas.jobs import JobOut
from api.schemas.training import ModelOut, ModelVersionOut, TrainIn
from api.security.auth import AuthorizedRoute
from api.store import tables
from api.store.db import transaction
from api.store.queries.training_data import labelled_lines
from api.store.scorecards import find_version, parse_content
from models.registry import SHIPPED_ROOT, list_models

router = APIRouter(tags=["training"], route_class=AuthorizedRoute)
ModelName = Path(pattern=r"^[A-Za-z0-9_.-]{1,100}$", description="model name")
_NDJSON: dict[int | str, dict[str, Any]] = {
    200: {"description": "labelled transcripts, one conversation per line", "content": {
        "application/x-ndjson": {"schema": {"type": "string"}, "example":
                                 '{"conversation": {"id": "web-1001", "turns": [...]}, '
                                 '"labels": {"politeness": {"turns": {"0": "polite"}}}}\n'}}},
    **ERRORS}


@router.get("/v1/reviews/export", response_class=StreamingResponse, responses=_NDJSON)
def export_reviews(runtime: RuntimeDep, version: VersionDep,
                   viewer: ViewerDep) -> StreamingResponse:
    """Each conversation's latest review under the scorecard version, in the viewer's scope,
    as the labelled transcripts `iqs train --data` reads (the stored, redacted text; labels
    from the people's verdicts, training/LABELLED_TRANSCRIPTS.md). Reviews that give no
    labels are left out."""
    version_id, scope = version.id, viewer.scope

    def lines() -> Iterator[str]:
        with runtime.sessions() as session:
            chosen = session.get(tables.ScorecardVersion, version_id)
            assert chosen is not None
            for _, line in labelled_lines(session, chosen, scope):
                yield json.dumps(line, ensure_ascii=False) + "\n"

    name = f"iqs-reviews-{version.scorecard_name}-v{version.version}.jsonl"
    return StreamingResponse(lines(), media_type="application/x-ndjson",
                             headers={"content-disposition": f'attachment; filename="{name}"'})


@router.post("/v1/models/train", response_model=JobOut, status_code=202, responses=ERRORS)
def train(body: TrainIn, runtime: RuntimeDep, session: SessionDep, queue: QueueDep,
          viewer: ViewerDep) -> JobOut:
    """Train a new version of model `name` on the scorecard version's reviews, as a job: the
    reviewed conversations are split into train and held-back (`held_out_share`, by `seed`);
    on the held-back ones the criterion's verdicts with the scorecard's model and with the
    new one are compared with the people's (kappa, accuracy, n; the task's metrics), and the
    comparison is stored with the model. A scorecard may switch to it only if it does not
    lower kappa."""
    version = find_version(session, body.scorecard, body.version)
    card = parse_content(version.content, f"scorecard {version.scorecard_name} "
                                          f"v{version.version}")
    spec = card.criteria.get(body.criterion)
    if spec is None:
        raise HTTPException(422, f"criterion: {version.scorecard_name} v{version.version} "
                                 f"has no criterion {body.criterion!r}; it has "
                                 f"{', '.join(card.criteria)}")
    kind = spec.type or body.criterion
    if TASK_OF_CRITERION.get(kind) != body.task:
        raise HTTPException(422, f"task: criterion {body.criterion!r} ({kind}) does not read "
                                 f"a {body.task} model")
    session.rollback()
    payload = {"scorecard_version_id": version.id, **body.model_dump(
        include={"task", "criterion", "name", "held_out_share", "seed"})}
    with transaction(runtime.sessions) as writer:
        job = lifecycle.create_job(writer, TRAIN, payload, 1, viewer.key_id)
    queue.send(job.id)
    return JobOut.of(job)


def _models() -> dict[str, ModelOut]:
    found: dict[str, ModelOut] = {}
    for manifest, folder in list_models():
        shipped = folder.is_relative_to(SHIPPED_ROOT)
        model = found.setdefault(manifest.name, ModelOut(name=manifest.name, versions=[]))
        model.versions.append(ModelVersionOut.of(manifest, shipped))
    for model in found.values():
        model.versions.sort(key=lambda v: v.version)
    return dict(sorted(found.items()))


@router.get("/v1/models", response_model=list[ModelOut])
def models() -> list[ModelOut]:
    """The registry's models (shipped and trained here), each with its versions, licence and,
    for models trained from reviews, the comparison with the held-back reviews."""
    return list(_models().values())


@router.get("/v1/models/{model_name}", response_model=ModelOut, responses=ERRORS)
def model(model_name: str = ModelName) -> ModelOut:
    found = _models().get(model_name)
    if found is None:
        raise HTTPException(404, f"model {model_name!r} not found")
    return found

"""Jobs: state and progress; rescoring a selection under a scorecard version."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Path

from api.deps import QueueDep, RuntimeDep, SessionDep, ViewerDep
from api.errors import ERRORS
from api.jobs import lifecycle
from api.jobs.tasks import RESCORE
from api.schemas.jobs import JobOut, RescoreIn
from api.security.auth import AuthorizedRoute
from api.store import tables
from api.store.db import transaction
from api.store.queries import Filters, OutOfScope, selected_ids
from api.store.scorecards import find_version

router = APIRouter(tags=["jobs"], route_class=AuthorizedRoute)


@router.get("/v1/jobs/{job_id}", response_model=JobOut, responses=ERRORS)
def get_job(session: SessionDep, viewer: ViewerDep,
            job_id: str = Path(pattern=r"^[0-9a-f]{32}$", description="job id")) -> JobOut:
    """A job's state and progress. Admin and qa keys see every job; other keys the jobs they
    created."""
    job = session.get(tables.Job, job_id)
    if job is None:
        raise HTTPException(404, f"job {job_id} not found")
    if not viewer.sees_all_jobs and job.key_id != viewer.key_id:
        raise OutOfScope(f"job {job_id} not found")
    return JobOut.of(job)


@router.post("/v1/rescore", response_model=JobOut, status_code=202, responses=ERRORS)
def rescore(body: RescoreIn, runtime: RuntimeDep, session: SessionDep,
            queue: QueueDep, viewer: ViewerDep) -> JobOut:
    """Score a selection again under a scorecard version, as a job. Earlier runs are kept;
    queries read the latest run of the version they ask for."""
    version = find_version(session, body.scorecard, body.version)
    filters = Filters(agent_id=body.agent_id, team=body.team, channel=body.channel,
                      language=body.language, since=body.since, until=body.until,
                      scope=viewer.scope).checked()
    ids = selected_ids(session, filters, body.conversation_ids)
    if body.conversation_ids is not None and len(ids) < len(set(body.conversation_ids)):
        missing = sorted(set(body.conversation_ids) - set(ids))[:10]
        raise HTTPException(404, f"conversation_ids: not found or not selected: {missing}")
    session.rollback()
    with transaction(runtime.sessions) as writer:
        job = lifecycle.create_job(writer, RESCORE, {"scorecard_version_id": version.id,
                                                     "conversation_ids": ids}, len(ids),
                                   viewer.key_id)
    queue.send(job.id)
    return JobOut.of(job)

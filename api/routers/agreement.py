"""Machine vs human agreement: how far the machine's per-criterion verdicts can be trusted,
measured on people's reviews (Cohen's kappa, accuracy, confusion, counts)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query

from api.deps import MAX_ID, SessionDep, VersionDep, ViewerDep
from api.errors import ERRORS
from api.routers.conversations import period
from api.schemas.agreement import AgreementReportOut, CalibrationOut
from api.security.auth import AuthorizedRoute
from api.store import queries
from api.store.queries.agreement import agreement_report, calibration_report

router = APIRouter(tags=["reviews"], route_class=AuthorizedRoute)

PeriodDep = Annotated[queries.Filters, Depends(period)]


@router.get("/v1/agreement", response_model=AgreementReportOut, responses=ERRORS)
def get_agreement(session: SessionDep, version: VersionDep,
                  selection: PeriodDep) -> AgreementReportOut:
    """Machine vs human agreement over the conversations of the period (their `occurred_at`)
    within the viewer's scope (a supervisor: the teams they lead), per criterion, per reviewer
    (key id) and per criterion of each, and overall: n (reviewed criteria with a machine
    verdict), the share marked agree, accuracy, Cohen's kappa (null with `kappa_note` when
    undefined, e.g. one class only) and the 2×2 confusion. Each conversation counts once, by
    its latest review of a run under the scorecard version; the human verdict is the
    corrected one where the reviewer corrected it, else the machine's."""
    report = agreement_report(session, version, selection)
    return AgreementReportOut.of(version.scorecard_name, version.version, selection.since,
                                 selection.until, report)


@router.get("/v1/agreement/calibration", response_model=CalibrationOut, responses=ERRORS)
def get_calibration(
    session: SessionDep, version: VersionDep, viewer: ViewerDep,
    conversation_id: Annotated[list[int], Query(
        min_length=1, max_length=500, description="the session's conversations (repeat)")],
) -> CalibrationOut:
    """A calibration session: several reviewers reviewed the same conversations. Per
    criterion, Fleiss' kappa between the reviewers (over the conversations every reviewer
    rated) and each reviewer against the majority (accuracy, Cohen's kappa); each reviewer's
    latest review of a conversation under the scorecard version counts, and a reviewer's
    verdict is their correction, else the machine's. Conversations outside the viewer's scope
    are left out."""
    for value in conversation_id:
        if not 1 <= value <= MAX_ID:
            raise HTTPException(422, f"conversation_id: {value} is not a conversation id")
    report = calibration_report(session, version, viewer.scope, sorted(set(conversation_id)))
    return CalibrationOut.of(version.scorecard_name, version.version, report)

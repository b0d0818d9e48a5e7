"""Machine vs human agreement at the HTTP boundary."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from api.store.queries.agreement import AgreementReport, CalibrationReport
from scorer.agreement import Agreement


class ConfusionOut(BaseModel):
    machine_passed_human_passed: int
    machine_passed_human_failed: int
    machine_failed_human_passed: int
    machine_failed_human_failed: int


class AgreementOut(BaseModel):
    n: int = Field(description="reviewed criteria with a machine verdict")
    agree_share: float | None = Field(description='share the reviewer marked "agree"')
    accuracy: float | None = Field(description="share where the human verdict is the machine's")
    kappa: float | None = Field(description="Cohen's kappa, machine vs human")
    kappa_note: str | None = Field(description="why kappa is null")
    confusion: ConfusionOut

    @classmethod
    def of(cls, found: Agreement) -> AgreementOut:
        c = found.confusion
        return cls(n=found.n, agree_share=found.agree_share, accuracy=found.accuracy,
                   kappa=found.kappa.value, kappa_note=found.kappa.reason,
                   confusion=ConfusionOut(
                       machine_passed_human_passed=c.machine_passed_human_passed,
                       machine_passed_human_failed=c.machine_passed_human_failed,
                       machine_failed_human_passed=c.machine_failed_human_passed,
                       machine_failed_human_failed=c.machine_failed_human_failed))


class CriterionAgreementOut(AgreementOut):
    criterion: str


class ReviewerAgreementOut(BaseModel):
    reviewer_key_id: str | None = Field(description="the reviewer's key id (null: open mode)")
    reviews: int
    overall: AgreementOut
    criteria: list[CriterionAgreementOut]


class AgreementReportOut(BaseModel):
    scorecard: str
    version: int
    since: datetime | None
    until: datetime | None
    reviews: int = Field(description="reviewed conversations counted, each by its latest "
                                     "review under the scorecard version")
    overall: AgreementOut
    criteria: list[CriterionAgreementOut]
    reviewers: list[ReviewerAgreementOut]

    @classmethod
    def of(cls, scorecard: str, version: int, since: datetime | None,
           until: datetime | None, report: AgreementReport) -> AgreementReportOut:
        def per_criterion(found: dict[str, Agreement]) -> list[CriterionAgreementOut]:
            return [CriterionAgreementOut(criterion=name, **AgreementOut.of(a).model_dump())
                    for name, a in found.items()]

        return cls(scorecard=scorecard, version=version, since=since, until=until,
                   reviews=report.reviews, overall=AgreementOut.of(report.overall),
                   criteria=per_criterion(report.criteria),
                   reviewers=[ReviewerAgreementOut(
                       reviewer_key_id=r.key_id, reviews=r.reviews,
                       overall=AgreementOut.of(r.overall), criteria=per_criterion(r.criteria))
                       for r in report.reviewers])


class AgainstMajorityOut(BaseModel):
    reviewer_key_id: str = Field(description='the reviewer\'s key id ("(open)": open mode)')
    n: int = Field(description="conversations with a majority (ties are left out)")
    accuracy: float | None
    kappa: float | None = Field(description="Cohen's kappa, the reviewer vs the majority")
    kappa_note: str | None


class CriterionCalibrationOut(BaseModel):
    criterion: str
    subjects: int = Field(description="conversations every reviewer rated")
    reviewers: int
    fleiss_kappa: float | None
    fleiss_note: str | None = Field(description="why fleiss_kappa is null")
    against_majority: list[AgainstMajorityOut]


class CalibrationOut(BaseModel):
    scorecard: str
    version: int
    conversations: list[int] = Field(description="the conversations counted: asked for, in "
                                                 "the viewer's scope, reviewed")
    criteria: list[CriterionCalibrationOut]

    @classmethod
    def of(cls, scorecard: str, version: int, report: CalibrationReport) -> CalibrationOut:
        return cls(scorecard=scorecard, version=version, conversations=report.conversations,
                   criteria=[CriterionCalibrationOut(
                       criterion=name, subjects=c.subjects, reviewers=c.raters,
                       fleiss_kappa=c.fleiss.value, fleiss_note=c.fleiss.reason,
                       against_majority=[AgainstMajorityOut(
                           reviewer_key_id=key, n=m.n, accuracy=m.accuracy,
                           kappa=m.kappa.value, kappa_note=m.kappa.reason)
                           for key, m in c.against_majority.items()])
                       for name, c in report.criteria.items()])

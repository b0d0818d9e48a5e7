"""The stateless `POST /v1/score`: one conversation scored, nothing stored."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import RuntimeDep, VersionDep
from api.errors import ERRORS
from api.security.auth import AuthorizedRoute
from scorer.conversation import Conversation
from scorer.scoring import ConversationScore

router = APIRouter(tags=["score"], route_class=AuthorizedRoute)


@router.post("/v1/score", response_model=ConversationScore, responses=ERRORS)
def score(conversation: Conversation, runtime: RuntimeDep,
          version: VersionDep) -> ConversationScore:
    scorer = runtime.scorer(version)
    with runtime.scoring:
        return scorer.score(conversation)

"""The stateless `POST /v1/score`: one conversation scored, nothing stored."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import RuntimeDep, SessionDep
from api.errors import ERRORS
from api.store.scorecards import find_version
from scorer.conversation import Conversation
from scorer.scoring import ConversationScore

router = APIRouter(tags=["score"])


@router.post("/v1/score", response_model=ConversationScore, responses=ERRORS)
def score(conversation: Conversation, runtime: RuntimeDep, session: SessionDep,
          scorecard: Annotated[str, Query(description="scorecard name")] = "default",
          version: Annotated[int | None, Query(ge=1, description="default: latest")] = None,
          ) -> ConversationScore:
    scorer = runtime.scorer(find_version(session, scorecard, version))
    with runtime.scoring:
        return scorer.score(conversation)

"""Tasks by name: each module defines one `Task` and is registered here."""

from __future__ import annotations

from scorer.errors import ConfigError
from training.tasks.base import Evaluation, LabelledSet, Published, Task
from training.tasks.dialog_acts import DialogActsTask
from training.tasks.empathy import EmpathyTask
from training.tasks.jargon import JargonTask
from training.tasks.politeness import PolitenessTask
from training.tasks.quality import QualityTask

TASKS: dict[str, Task] = {task.name: task for task in (
    PolitenessTask(), DialogActsTask(), QualityTask(), JargonTask(), EmpathyTask())}


def get_task(name: str) -> Task:
    if name not in TASKS:
        raise ConfigError(f"unknown task {name!r}; known: {', '.join(sorted(TASKS))}")
    return TASKS[name]


__all__ = ["TASKS", "Evaluation", "LabelledSet", "Published", "Task", "get_task"]

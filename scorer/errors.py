"""Errors that name what is wrong and where: a file, a line, a record or a config key."""

from __future__ import annotations

from pydantic import ValidationError


class IQSError(Exception):
    """Base of the errors IQS reports to users."""

    def __init__(self, message: str, location: str | None = None) -> None:
        self.message = message
        self.location = location
        super().__init__(f"{location}: {message}" if location else message)


Problem = tuple[str, str]
"""(the dotted path of the bad key, what is wrong with it); the path is "" when unknown."""


class ConfigError(IQSError):
    """A scorecard, formula pack or setting is invalid. `problems` lists each bad key apart
    (a page shows each beside its path); the message joins them."""

    def __init__(self, message: str, location: str | None = None,
                 problems: list[Problem] | None = None) -> None:
        super().__init__(message, location)
        self.problems = problems if problems is not None else [("", message)]

    @classmethod
    def from_validation(cls, exc: ValidationError, location: str,
                        prefix: tuple[str | int, ...] = ()) -> ConfigError:
        problems = validation_problems(exc, prefix)
        return cls(joined(problems), location=location, problems=problems)

    @classmethod
    def at(cls, path: str, message: str, location: str | None = None) -> ConfigError:
        """One problem of the key at `path` (the message starts with the path)."""
        return cls(f"{path}: {message}", location=location, problems=[(path, message)])


class ReadError(IQSError):
    """An input file cannot be read as a conversation."""


class CompanionFileError(ReadError):
    """The file accompanies another input (its metadata) and holds no conversation: set aside
    when a folder or the conversation it belongs to is read, an error when given on its own."""

    def __init__(self, message: str, location: str | None = None,
                 conversation_id: str | None = None) -> None:
        super().__init__(message, location)
        self.conversation_id = conversation_id


def validation_problems(exc: ValidationError,
                        prefix: tuple[str | int, ...] = ()) -> list[Problem]:
    """Each problem with the dotted path of the bad key ("(top level)" for the whole)."""
    return [(".".join(str(p) for p in (*prefix, *error["loc"])) or "(top level)", error["msg"])
            for error in exc.errors()]


def joined(problems: list[Problem]) -> str:
    return "; ".join(f"{path}: {message}" if path else message for path, message in problems)


def describe_validation(exc: ValidationError, prefix: tuple[str | int, ...] = ()) -> str:
    """One line per problem, each naming the dotted path of the bad key."""
    return joined(validation_problems(exc, prefix))

"""Errors that name what is wrong and where: a file, a line, a record or a config key."""

from __future__ import annotations

from pydantic import ValidationError


class IQSError(Exception):
    """Base of the errors IQS reports to users."""

    def __init__(self, message: str, location: str | None = None) -> None:
        self.message = message
        self.location = location
        super().__init__(f"{location}: {message}" if location else message)


class ConfigError(IQSError):
    """A scorecard, formula pack or setting is invalid."""

    @classmethod
    def from_validation(cls, exc: ValidationError, location: str,
                        prefix: tuple[str | int, ...] = ()) -> ConfigError:
        return cls(describe_validation(exc, prefix), location=location)


class ReadError(IQSError):
    """An input file cannot be read as a conversation."""


class CompanionFileError(ReadError):
    """The file accompanies another input (its metadata) and holds no conversation: set aside
    when a folder or the conversation it belongs to is read, an error when given on its own."""

    def __init__(self, message: str, location: str | None = None,
                 conversation_id: str | None = None) -> None:
        super().__init__(message, location)
        self.conversation_id = conversation_id


def describe_validation(exc: ValidationError, prefix: tuple[str | int, ...] = ()) -> str:
    """One line per problem, each naming the dotted path of the bad key."""
    lines = []
    for error in exc.errors():
        path = ".".join(str(p) for p in (*prefix, *error["loc"])) or "(top level)"
        lines.append(f"{path}: {error['msg']}")
    return "; ".join(lines)

"""One error base for gavah.

Every error the user can meet is a :class:`GavahError`: it carries a message that says what went
wrong and where, a hint that says what to do next, and the exit code the CLI returns. The CLI's
``main`` is the only place that turns it into output (habit 1 in STYLE.md).
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes with a meaning scripts can rely on (documented in docs/cli.md)."""

    OK = 0
    ERROR = 1  # unexpected failure (a bug): the traceback goes to a private file, named
    USAGE = 2  # bad command line (Typer/Click use 2 as well)
    PARTIAL = 3  # some inputs failed, the rest was done and is intact
    NOT_FOUND = 4
    INTEGRITY = 5  # verification found tampering or corruption
    CONFIG = 6  # settings, workspace or database problem
    BUSY = 7  # the database is locked by another process
    DENIED = 8  # not signed in, or the account may not do this


class GavahError(Exception):
    """Base of every error gavah reports to a user."""

    exit_code: ExitCode = ExitCode.ERROR

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def to_dict(self) -> dict[str, str | int | None]:
        """The one JSON error shape: ``{"error": kind, "message": ..., "hint": ..., "exit_code": n}``."""
        return {
            "error": type(self).__name__,
            "message": self.message,
            "hint": self.hint,
            "exit_code": int(self.exit_code),
        }


class InternalError(GavahError):
    """A bug in gavah, reported without a traceback (the CLI keeps it in a private file)."""


class ConfigError(GavahError):
    exit_code = ExitCode.CONFIG


class WorkspaceNotFound(ConfigError):
    pass


class DatabaseBusy(GavahError):
    exit_code = ExitCode.BUSY


class NotFound(GavahError):
    exit_code = ExitCode.NOT_FOUND


class InputError(GavahError):
    """A file or argument given by the user cannot be used."""

    exit_code = ExitCode.USAGE


class AccessDenied(GavahError):
    """The account may not do this (or is not signed in): access control fails closed."""

    exit_code = ExitCode.DENIED


class TooLarge(InputError):
    """An input is larger than the workspace accepts."""


class IngestError(GavahError):
    """One input of an ingest failed; the others are unaffected."""

    exit_code = ExitCode.PARTIAL


class IntegrityError(GavahError):
    """Evidence, log or proof does not verify. Raised, never returned as a flag (fail closed)."""

    exit_code = ExitCode.INTEGRITY


class ProofError(IntegrityError):
    """A proof bundle, checkpoint or signature is malformed, unsupported or does not verify."""


class StoreError(GavahError):
    """The blob store cannot read or write (disk full, permission denied, S3 refused)."""

    exit_code = ExitCode.PARTIAL

    def __init__(self, message: str, *, hint: str | None = None, errno: int | None = None) -> None:
        super().__init__(message, hint=hint)
        self.errno = errno

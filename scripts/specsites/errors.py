"""The exceptions the tool raises for bad input and failed builds, and their parts."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input file, at a line, with what to do about it."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        if not self.file:
            return self.message
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


class SpecSitesError(Exception):
    """Bad input: every problem found, each printed as one line. Exit code 2."""

    def __init__(self, problems: list[Problem] | Problem) -> None:
        self.problems = [problems] if isinstance(problems, Problem) else sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self):  # rebuilt from its problems when it comes back from a worker
        return type(self), (self.problems,), self.__dict__


class BuildFailed(SpecSitesError):
    """One or more sites did not build; the previous output is untouched."""

    def __init__(self, problems: list[Problem] | Problem, crashes: list[str] | None = None) -> None:
        super().__init__(problems)
        self.crashes = crashes or []  # tracebacks of sites whose build crashed (bugs)


def raise_if_any(problems: list[Problem]) -> None:
    if problems:
        raise SpecSitesError(problems)


def unknown_site(name: object, names: list[str], within: str = "") -> str:
    """The one message for a site name that is none of ours: `within` says where it
    was written (a redirect's target), when that is not the whole value."""
    where = f" in {within}" if within else ""
    return f"unknown site {name!r}{where}; use one of: {', '.join(names)}"

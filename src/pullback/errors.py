"""Errors pullback raises. Every error that concerns user code names the construct,
the file and line, and shows the source line, so a user never has to guess."""

from __future__ import annotations

from .ir.annotations import ORIGIN


class PullbackError(Exception):
    """Base class of every error pullback raises on purpose. One raised while a generated
    gradient runs, whose message names no place, names the line of the user's code whose
    statement (or adjoint) was running, read from its traceback when it is shown."""

    def __str__(self):
        message = super().__str__()
        if 'File "' in message or self.__traceback__ is None:
            return message
        where = RAISED_AT[0](self.__traceback__) if RAISED_AT else ""
        return f"{message}\n  {where}" if where else message


# where the generated code stood when an exception was raised (traceback -> text), which
# runtime/helpers.py registers here: errors are defined before the stages that use them
RAISED_AT: list = []


class Location:
    """Where a construct stands in the user's source: file, line and the line's text."""

    def __init__(self, filename: str, line_offset: int, source_lines: list[str]):
        self.filename = filename
        self.line_offset = line_offset  # added to the parsed source's line numbers
        self.source_lines = source_lines  # the parsed (dedented) source, by line

    def describe(self, node) -> str:
        """`File "...", line N` and the line's text; for a node that comes from the body
        of a function inlined at a call (see normalize), the line in that function."""
        origin = ORIGIN.of(node)
        if origin is not None:
            location, lineno = origin
            return location.describe(_Line(lineno))
        lineno = getattr(node, "lineno", None)
        if lineno is None:
            return f"{self.filename}"
        text = self.source_lines[lineno - 1].strip() if lineno <= len(self.source_lines) else ""
        return f'File "{self.filename}", line {lineno + self.line_offset}\n    {text}'


class _Line:
    def __init__(self, lineno):
        self.lineno = lineno


class LocatedError(PullbackError):
    """An error about a specific place in the user's code."""

    def __init__(self, message: str, where: str = ""):
        self.message = message
        self.where = where
        super().__init__(f"{message}\n  {where}" if where else message)


class UnsupportedSyntaxError(LocatedError):
    """A Python construct pullback cannot differentiate correctly."""


class InputWrittenInPlace(UnsupportedSyntaxError):
    """An in-place write into a parameter (`x[0] = v`, `xs.append(v)`, `d[k] = v`). The
    transform catches it and makes f's writes on a copy written back into the caller's
    object when f returns (lower/inputs.py); the user sees it only where that cannot be
    done (the parameter is also rebound)."""

    def __init__(self, message: str, where: str = "", parameter: str = ""):
        super().__init__(message, where)
        self.parameter = parameter


class NoRuleError(LocatedError):
    """A call, on a value being differentiated, to a function with no derivative rule."""

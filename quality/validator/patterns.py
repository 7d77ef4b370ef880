"""Translating a ``pattern`` constraint to RE2 when, and only when, RE2 decides it alike.

frictionless-py checks ``re.compile("^{pattern}$").match(cell)``. Python's ``$``
also matches before a trailing newline, and ``\\d``, ``\\w``, ``\\b`` are Unicode
aware; RE2 (Arrow's regex engine) has neither. The pattern is parsed with
Python's own parser and re-emitted for RE2 from a whitelist of constructs whose
meaning is the same in both engines; the caller must send the cells RE2 does
not match that hold a newline (and, if ``ascii_only``, non-ASCII cells) to the
exact path: where RE2 matches, Python's more permissive ``$`` matches too. Anything else
(look-arounds, back-references, flags, ``\\s``) is left to Python entirely.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from re import _constants as sre
from re import _parser as sre_parse

MAX_RE2_REPEAT = 1000
_CATEGORIES = {
    sre.CATEGORY_DIGIT: r"\d",
    sre.CATEGORY_NOT_DIGIT: r"\D",
    sre.CATEGORY_WORD: r"\w",
    sre.CATEGORY_NOT_WORD: r"\W",
}
_ANCHORS = {
    sre.AT_BEGINNING: ("^", False),
    sre.AT_END: ("$", False),
    sre.AT_BEGINNING_STRING: (r"\A", False),
    sre.AT_END_STRING: (r"\z", False),
    sre.AT_BOUNDARY: (r"\b", True),
    sre.AT_NON_BOUNDARY: (r"\B", True),
}


class _Unsupported(Exception):
    pass


@dataclass(frozen=True)
class Re2Pattern:
    """An RE2 source equivalent to frictionless' check on the cells it may see."""

    source: str
    ascii_only: bool


def translate(pattern: str) -> Re2Pattern | None:
    """The RE2 equivalent of frictionless' ``re.match("^pattern$")``, or None."""
    try:
        tree = sre_parse.parse(f"^{pattern}$")
    except re.error:
        return None
    if tree.state.flags & ~sre.SRE_FLAG_UNICODE:
        return None
    emitter = _Emitter()
    try:
        body = emitter.sequence(tree)
    except _Unsupported:
        return None
    return Re2Pattern(source=f"^(?:{body})", ascii_only=emitter.ascii_only)


class _Emitter:
    def __init__(self) -> None:
        self.ascii_only = False

    def sequence(self, items) -> str:
        return "".join(self.item(op, arg) for op, arg in items)

    def item(self, op, arg) -> str:
        if op is sre.LITERAL:
            return _literal(arg)
        if op is sre.NOT_LITERAL:
            return f"[^{_literal(arg)}]"
        if op is sre.ANY:
            return "."
        if op is sre.IN:
            return self.char_class(arg)
        if op is sre.CATEGORY:
            return self.category(arg)
        if op is sre.AT:
            if arg not in _ANCHORS:
                raise _Unsupported(arg)
            source, needs_ascii = _ANCHORS[arg]
            self.ascii_only |= needs_ascii
            return source
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            low, high, sub = arg
            if high != sre.MAXREPEAT and high > MAX_RE2_REPEAT or low > MAX_RE2_REPEAT:
                raise _Unsupported("repeat")
            bound = f"{{{low},}}" if high == sre.MAXREPEAT else f"{{{low},{high}}}"
            lazy = "?" if op is sre.MIN_REPEAT else ""
            return f"(?:{self.sequence(sub)}){bound}{lazy}"
        if op is sre.SUBPATTERN:
            _, add_flags, del_flags, sub = arg
            if add_flags or del_flags:
                raise _Unsupported("flags")
            return f"(?:{self.sequence(sub)})"
        if op is sre.BRANCH:
            return "(?:" + "|".join(self.sequence(alt) for alt in arg[1]) + ")"
        raise _Unsupported(op)

    def category(self, arg) -> str:
        if arg not in _CATEGORIES:
            raise _Unsupported(arg)
        self.ascii_only = True
        return _CATEGORIES[arg]

    def char_class(self, items) -> str:
        parts = []
        for op, arg in items:
            if op is sre.NEGATE:
                parts.insert(0, "^")
            elif op is sre.LITERAL:
                parts.append(_literal(arg))
            elif op is sre.RANGE:
                parts.append(f"{_literal(arg[0])}-{_literal(arg[1])}")
            elif op is sre.CATEGORY:
                parts.append(self.category(arg))
            else:
                raise _Unsupported(op)
        return "[" + "".join(parts) + "]"


def _literal(code: int) -> str:
    char = chr(code)
    if char.isascii() and char.isalnum():
        return char
    return f"\\x{{{code:x}}}"

"""E-mail detector: the usual `nombre@dominio.cl` plus plain obfuscations.

Obfuscations recognised: spaces around `@`, the word `arroba` (also `(arroba)`,
`[arroba]`), `(at)` / `[at]`, and `punto` for the dots of the domain
(`maria arroba gmail punto com`). A domain needs a dot (or `punto`) and a
top-level part of two or more letters, so `@usuario` or `arroba municipal`
alone are not addresses (the review check still flags a leftover `@`).
"""

from __future__ import annotations

import re

from quality.personal_data._text import Span, fold

_LOCAL = r"[\w.+%'-]*\w"
_AT = r"(?:\s*@\s*|\s*[(\[]\s*(?:at|arroba)\s*[)\]]\s*|\s+arroba\s+)"
_DOT = r"(?:\.|\s+punto\s+|\s*[(\[]\s*(?:dot|punto)\s*[)\]]\s*)"
_DOMAIN = r"[\w-]+(?:" + _DOT + r"[\w-]+)*" + _DOT + r"[a-z]{2,}(?![\w-]|\.\w)"

_MARKERS = ("@", "arroba", "(at)", "[at]", "( at )", "[ at ]")
_EMAIL_RE = re.compile(r"(?<![\w.+%'-])" + _LOCAL + _AT + _DOMAIN)


def find_emails(text: str, folded: str | None = None) -> list[Span]:
    """Spans of e-mail addresses in `text` (kind `email`)."""
    folded = fold(text) if folded is None else folded
    if not any(marker in folded for marker in _MARKERS):
        return []
    return [Span(m.start(), m.end(), "email") for m in _EMAIL_RE.finditer(folded)]

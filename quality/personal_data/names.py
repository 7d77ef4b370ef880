"""Name detectors: the requester's own name, other names after a cue, and guesses.

Requester name (`find_requester_name`, kind `person_name`): the full name is
split into parts (`María José Pérez Soto` -> maria, jose, perez, soto) and the
text is searched accent- and case-insensitively on word boundaries for

* any run of two or more parts, in any order, joined by spaces, hyphens or a
  comma, with particles allowed inside (`maria jose`, `Pérez Soto`,
  `PEREZ, MARIA`, `María de la Luz Pérez`) — always removed;
* a single part on its own (`PEREZ`, `Pérez`), unless it has two letters or
  fewer, is an everyday word or place name (`Rosa`, `Paz`, `Flores`,
  `Mercado`, see `_words.COMMON_WORDS`), or follows a place or institution
  word (`San José`, `Liceo Pérez`, `Villa Soto`: kept — a place name, and a
  lone given name does not identify anyone). For an organisation requester
  (`Fundación ...`, `... SpA`) single words are never removed.

Other names (`find_cued_names`, kind `person_name_cue`), best effort: one or
more capitalised words after an honorific (`don`, `doña`, `Sr.`, `Sra.`,
`Srta.`, `señor(a)`, `funcionario(a)`) or a self-introduction (`mi nombre es`,
`me llamo`, `el suscrito`, `la suscrita`, `quien suscribe`); two or more after
`yo,`, `soy` or a signature (`Atentamente,`, `Atte.`, `Saludos,`,
`Cordialmente`). The run stops at role and institution words, so
`Sr. Alcalde` and `Sra. Directora de Obras` stay.

Names without a cue (`find_name_guesses`, kind `person_name_guess`): a
frequent Chilean given name (`_words.GIVEN_NAMES`) followed by more
capitalised words (`contra José Miguel Painequeo`), except inside place and
institution names (`Escuela Gabriela Mistral`, `Liceo Juan Pablo II`, comunas
such as `Pedro Aguirre Cerda`). Surnames-only mentions and rare given names
are not found.
"""

from __future__ import annotations

import re
from functools import lru_cache

from quality.personal_data._text import Span, fold, nfc
from quality.personal_data._words import (
    COMMON_WORDS,
    ORG_MARKERS,
    PARTICLES,
    PLACE_WORDS,
)
from quality.personal_data.phrases import find_name_phrases

_TOKEN_RE = re.compile(r"[a-z]+(?:'[a-z]+)*")
_RUN_GAP_RE = re.compile(r"[\s-]+|\s*,\s*")
_PREV_GAP_RE = re.compile(r"\.?\s+")


@lru_cache(maxsize=16384)
def name_parts(requester_name: str) -> tuple[frozenset[str], frozenset[str]]:
    """(all parts, parts removable on their own) of a full name, folded."""
    tokens = _TOKEN_RE.findall(fold(nfc(requester_name)))
    parts = frozenset(t for t in tokens if t not in PARTICLES)
    if any(t in ORG_MARKERS for t in tokens):
        return parts, frozenset()
    singles = frozenset(t for t in parts if len(t) > 2 and t not in COMMON_WORDS)
    return parts, singles


def find_requester_name(text: str, requester_name: str, folded: str | None = None) -> list[Span]:
    """Spans of the requester's name or its parts in `text` (kind `person_name`)."""
    if not requester_name or not isinstance(requester_name, str):
        return []
    parts, singles = name_parts(requester_name)
    folded = fold(text) if folded is None else folded
    if not any(part in folded for part in parts):
        return []
    spans: list[Span] = []
    run: list[re.Match[str]] = []
    previous: re.Match[str] | None = None  # token before the current run
    last: re.Match[str] | None = None
    for token in _TOKEN_RE.finditer(folded):
        word = token.group()
        if word in parts or word in PARTICLES:
            if run and _RUN_GAP_RE.fullmatch(folded, run[-1].end(), token.start()):
                run.append(token)
            else:
                _close_run(run, previous, parts, singles, folded, spans)
                run, previous = [token], last
        else:
            _close_run(run, previous, parts, singles, folded, spans)
            run = []
        last = token
    _close_run(run, previous, parts, singles, folded, spans)
    return spans


def _close_run(
    run: list[re.Match[str]],
    previous: re.Match[str] | None,
    parts: frozenset[str],
    singles: frozenset[str],
    folded: str,
    spans: list[Span],
) -> None:
    named = [i for i, token in enumerate(run) if token.group() in parts]
    if not named:
        return
    first, last = run[named[0]], run[named[-1]]
    if len(named) >= 2:
        spans.append(Span(first.start(), last.end(), "person_name"))
        return
    word = first.group()
    if word not in singles:
        return
    before = run[named[0] - 1] if named[0] > 0 else previous
    if (
        before is not None
        and before.group() in PLACE_WORDS
        and _PREV_GAP_RE.fullmatch(folded, before.end(), first.start())
    ):
        return
    spans.append(Span(first.start(), first.end(), "person_name"))


def find_cued_names(text: str, folded: str | None = None) -> list[Span]:
    """Names after an honorific, a role, a self-introduction or a signature (kind
    `person_name_cue`); see `phrases` for what counts."""
    return [
        Span(s.start, s.end, "person_name_cue") for s in find_name_phrases(text, folded) if s.cued
    ]


def find_name_guesses(text: str, folded: str | None = None) -> list[Span]:
    """Names without a cue: name words (given names, surnames), lists, `SURNAME, GIVEN`
    (kind `person_name_guess`); not inside institution and place names."""
    return [
        Span(s.start, s.end, "person_name_guess")
        for s in find_name_phrases(text, folded)
        if not s.cued
    ]

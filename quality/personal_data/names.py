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
    GIVEN_NAMES,
    ORG_MARKERS,
    PARTICLES,
    PLACE_WORDS,
    ROLE_WORDS,
)

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


_UPPER = "A-ZÁÉÍÓÚÑÜ"
_LOWER = "a-záéíóúñü"
_CAP_WORD = rf"(?:[{_UPPER}][{_LOWER}{_UPPER}'’-]+|[{_UPPER}]\.)"
_CONNECTOR = r"(?:(?:de|del|de\s+la|de\s+las|de\s+los|DE|DEL|DE\s+LA|DE\s+LOS)\s+)"
_CAP_WORD_RE = re.compile(_CAP_WORD)
_CAPITALISED_RE = re.compile(rf"[{_UPPER}][{_LOWER}{_UPPER}]+")
_CAP_RUN_RE = re.compile(rf"{_CAP_WORD}(?:\s+{_CONNECTOR}?{_CAP_WORD}){{0,5}}")

# (cue pattern over folded text, minimum capitalised words after it)
_CUES = (
    (r"\b(?:don|dona|sr|sra|srta|senor|senora|senorita|funcionario|funcionaria)\b\.?", 1),
    (r"\b(?:mi\s+nombre\s+es|me\s+llamo|el\s+suscrito|la\s+suscrita|quien\s+suscribe)\b", 1),
    (r"\b(?:yo\s*,|soy\b)", 2),
    (r"\b(?:saluda\s+atentamente|atentamente|atte|cordialmente|saludos(?:\s+cordiales)?)\b\.?", 2),
)
_CUE_RE = re.compile(
    "(?:" + "|".join(f"(?P<c{i}>{p})" for i, (p, _) in enumerate(_CUES)) + r")[\s,:;-]*"
)


def find_cued_names(text: str, folded: str | None = None) -> list[Span]:
    """Capitalised names after an honorific, self-introduction or signature cue."""
    folded = fold(text) if folded is None else folded
    spans = []
    for cue in _CUE_RE.finditer(folded):
        minimum = next(_CUES[i][1] for i in range(len(_CUES)) if cue.group(f"c{i}") is not None)
        run = _CAP_RUN_RE.match(text, cue.end())
        if run is None:
            continue
        end = None
        count = 0
        for word in _CAP_WORD_RE.finditer(text, run.start(), run.end()):
            if folded[word.start() : word.end()].rstrip(".") in ROLE_WORDS:
                break
            end = word.end()
            count += 1
        if end is not None and count >= minimum:
            spans.append(Span(run.start(), end, "person_name_cue"))
    return spans


@lru_cache(maxsize=1)
def _named_places() -> tuple[str, ...]:
    """Comuna names (folded) that contain a given name: `pedro aguirre cerda`, `maria elena`."""
    try:
        from schemas import load_code_list

        names = load_code_list("comunas")["comuna_name"].dropna()
    except Exception:  # the scrubber must work without the code list
        return ()
    folded = (fold(nfc(str(name))) for name in names)
    return tuple(n for n in folded if any(t in GIVEN_NAMES for t in _TOKEN_RE.findall(n)))


def find_name_guesses(text: str, folded: str | None = None) -> list[Span]:
    """Names without a cue: a frequent given name followed by capitalised words.

    `instruido contra José Miguel Painequeo` -> `José Miguel Painequeo` (kind
    `person_name_guess`). Not inside a place or institution name (`Escuela
    Gabriela Mistral`, `Plaza Arturo Prat`, `Liceo Juan Pablo II`, the comuna
    `Pedro Aguirre Cerda`) and stopping at role words (`Juan Director`).
    """
    folded = fold(text) if folded is None else folded
    if not any(fold(m.group()) in GIVEN_NAMES for m in _CAPITALISED_RE.finditer(text)):
        return []
    spans = []
    for run in _CAP_RUN_RE.finditer(text):
        words = list(_CAP_WORD_RE.finditer(text, run.start(), run.end()))
        keys = [folded[w.start() : w.end()].rstrip(".") for w in words]
        if not any(key in GIVEN_NAMES for key in keys[:-1]):
            continue
        run_text = folded[run.start() : run.end()]
        if any(place in run_text for place in _named_places()):
            continue
        before = _TOKEN_RE.findall(folded, max(0, run.start() - 30), run.start())
        if before and before[-1] in PLACE_WORDS:
            continue
        i = 0
        while i < len(words) - 1 and keys[i] not in PLACE_WORDS:
            if keys[i] in GIVEN_NAMES and keys[i + 1] not in _NOT_NAME:
                last = i + 1
                while last + 1 < len(words) and keys[last + 1] not in _NOT_NAME:
                    last += 1
                spans.append(Span(words[i].start(), words[last].end(), "person_name_guess"))
                i = last
            i += 1
    return spans


_NOT_NAME = ROLE_WORDS | PLACE_WORDS | ORG_MARKERS

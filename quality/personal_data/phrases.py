"""Capitalised phrases: which are people's names and which are institutions or places.

The text is cut into *phrases*: runs of capitalised words, initials (`C.`) and the
particles inside names (`de`, `del`, `de la`, `van`), joined by spaces only. Each
word is classed by the name lists (`name_lists.csv`, given names and surnames of
Chile, Spain, Mexico, Argentina, the US, the UK and Ireland), Mapuche surname
roots (`Huenchu-`, `Catri-`, `Paine-`, `Ñancu-`...), surname shapes (`McLeod`,
`O'Mara`, `García-Huidobro`) and the word lists in `_words`.

A phrase is **not a person** when it holds an institution, place or programme word
(`State of Delaware`, `Coventry Health Care`, `Escuela Gabriela Mistral`, `Hospital
Dr. Gustavo Fricke`, `Av. Bernardo O'Higgins`, `Washington Street Bridge`), when
the word before it is one (`calle Arturo Prat`, `Monumento a Bernardo O'Higgins`),
or when it is a comuna's name (`Pedro Aguirre Cerda`). Otherwise it **is a person**

* after an honorific or a role (kind `cue`): `Sr.`, `Sra.`, `Srta.`, `Don`, `Doña`,
  `Dr.`, `Dra.`, `Mr.`, `Mrs.`, `Ms.`, `señor(a)`, `funcionaria`, `concejal`,
  `profesora`, `Attorney General`, `Senator`, `Officer`, `teacher`... and after a
  self-introduction or signature (`mi nombre es`, `yo,`, `quien suscribe`,
  `Atentamente,`, `Atte.`);
* without a cue (kind `guess`), with two or more name words of which the first is a
  given name, or two of them are known given names or surnames;
* in a list (`A, B y C`, `A and B`) next to a name, when shaped like one;
* upper-case `SURNAME SURNAME, GIVEN` and `Surname, Given` (the given names after
  the comma), with a suffix after a comma (`Harris B. McDowell, III`).

Lower-case names are found only as a given name followed by two surnames
(`fernanda acevedo fernandez`). Surnames alone are found only after a cue.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from quality.personal_data._text import fold, nfc
from quality.personal_data._words import (
    COMMON_WORDS,
    HONORIFICS,
    INNER_TITLES,
    INSTITUTION_WORDS,
    NAME_SUFFIXES,
    NOT_NAMES,
    ORG_MARKERS,
    PARTICLES,
    PLACE_WORDS,
    ROLE_CUES,
    ROLE_WORDS,
    SENTENCE_WORDS,
    SIGNOFFS,
    WEAK_ROLE_CUES,
)

NAME_LISTS = Path(__file__).with_name("name_lists.csv")
# Particles inside a name; "y" and "e" join the items of a list instead.
NAME_PARTICLES = PARTICLES - {"y", "e"}

# Roots of frequent Mapuche surnames (folded): Huenchumilla, Catrileo, Painemal,
# Ñancupil (ñ folds to n), Millapán, Nahuelpán, Calfucura, Curihuinca, Lienlaf...
_MAPUCHE_ROOTS = tuple(
    [
        "huenchu",
        "huenu",
        "catri",
        "paine",
        "pailla",
        "nancu",
        "nanco",
        "milla",
        "nahuel",
        "calfu",
        "curi",
        "anti",
        "mari",
        "colli",
        "coli",
        "quintre",
        "huaiqui",
        "cayu",
        "lien",
        "quila",
        "llanca",
        "llanqui",
        "anca",
        "lemu",
        "cheuque",
        "huilca",
        "relmu",
        "epu",
        "trana",
        "caniu",
        "quilaq",
        "quidel",
        "melin",
        "manque",
        "licán",
        "lican",
        "pichun",
        "huichal",
        "rayen",
        "aillapan",
        "railaf",
    ]
)
_MAPUCHE_ENDINGS = tuple(
    [
        "mil",
        "illa",
        "leo",
        "lef",
        "laf",
        "pan",
        "pil",
        "cura",
        "queo",
        "nao",
        "llan",
        "len",
        "huinca",
        "man",
        "mal",
        "pi",
        "pal",
        "hual",
    ]
)
_SURNAME_SHAPE_RE = re.compile(r"(?:mc|mac|o')[a-z]{2,}|[a-z]{3,}-[a-z]{3,}")

_TOKEN_RE = re.compile(r"[^\W_][\w'’-]*\.?|[^\w\s]")
_INITIAL_RE = re.compile(r"[A-ZÁÉÍÓÚÑ]\.?")
_SELF_CUE_RE = re.compile(
    r"(?:mi\s+nombre\s+es|me\s+llamo|el\s+suscrito|la\s+suscrita|quien\s+suscribe|yo\s*,"
    r"|\bsoy|atentamente\s*,?|atte\.?|cordialmente\s*,?|saludos(?:\s+cordiales)?\s*,"
    r"|saluda\s+atentamente\s*,?|sincerely\s*,?|regards\s*,?|submitted\s+by|filed\s+by"
    r"|requested\s+by|a\s+nombre\s+de)\s*$"
)
_LIST_GAP_RE = re.compile(r"\s*(?:,|;|\d\))?\s*(?:\b(?:y|e|and|&)\s+)?(?:\d\)\s*)?")


@lru_cache(maxsize=1)
def _name_lists() -> tuple[frozenset[str], frozenset[str]]:
    given: set[str] = set()
    surnames: set[str] = set()
    with NAME_LISTS.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            (given if row["kind"] == "given" else surnames).add(row["word"])
    return frozenset(given), frozenset(surnames)


def _is_mapuche(key: str) -> bool:
    return len(key) > 5 and key.startswith(_MAPUCHE_ROOTS) and key.endswith(_MAPUCHE_ENDINGS)


_PLACE_CONTEXT = INSTITUTION_WORDS | PLACE_WORDS
_STREET_PLACES = frozenset(
    [
        "calle",
        "avenida",
        "av",
        "avda",
        "pasaje",
        "psje",
        "pje",
        "camino",
        "villa",
        "poblacion",
        "plaza",
        "parque",
        "sector",
    ]
)
_CUE_WORDS = HONORIFICS | ROLE_CUES | WEAK_ROLE_CUES
_STREET_WORDS = frozenset(
    ["calle", "avenida", "av", "avda", "pasaje", "camino", "street", "avenue"]
)


@dataclass
class Word:
    start: int
    end: int  # without a trailing dot or possessive 's (kept for initials)
    text: str
    key: str  # folded, without dot or 's
    cls: str  # G given, S surname, I initial, P particle, O other capitalised, X stop, C cue

    @property
    def is_name(self) -> bool:
        return self.cls in "GSIO"


def _classify(raw: str, key: str, upper: bool, shouting: bool = False) -> str:
    given, surnames = _name_lists()
    if any(c.isdigit() for c in key):
        return "X"  # a code or folio ("MU999T0000000", "D-458")
    if _INITIAL_RE.fullmatch(raw) and (raw.endswith(".") or key not in PARTICLES):
        return "I"
    if key in HONORIFICS or key in ROLE_CUES or key in WEAK_ROLE_CUES or key in SIGNOFFS:
        return "C"
    if key in NAME_PARTICLES:
        return "P"
    if key in NOT_NAMES and key not in given and key not in surnames:
        return "X"
    if key in given and key not in COMMON_WORDS:
        return "G"
    if key in surnames or _is_mapuche(key) or _SURNAME_SHAPE_RE.fullmatch(key):
        return "S"
    if key in given:
        return "G"
    # Upper-case unknown words are acronyms (FOIA, RFP, SEREMI) or, in a text written in
    # capitals, ordinary words; in mixed text a longer one may be a name (OKONKWO).
    if key in INSTITUTION_WORDS or (upper and (shouting or len(key) <= 4)):
        return "X"
    return "O"


_UPPER_RE = re.compile(r"[A-ZÁÉÍÓÚÑÜ]")
_LETTER_RE = re.compile(r"[^\W\d_]")


def _words(text: str, folded: str) -> list[Word | None]:
    """Capitalised words and particles; None marks a break (punctuation, other words)."""
    out: list[Word | None] = []
    uppers = len(_UPPER_RE.findall(text))
    shouting = uppers > 0.6 * len(_LETTER_RE.findall(text))
    for match in _TOKEN_RE.finditer(text):
        raw = match.group()
        start = match.start()
        first = raw[0]
        if not first.isalpha():
            out.append(_COMMA if raw == "," else None)
            continue
        if not first.isupper():  # the common case: an ordinary lower-case word
            key = folded[start : start + len(raw)].rstrip(".")
            cls = "P" if key in NAME_PARTICLES else ("c" if key in _CUE_WORDS else "x")
            out.append(Word(start, start + len(key), raw, key, cls))
            continue
        core = raw[:-1] if raw.endswith(".") and len(raw) > 2 else raw
        if core.endswith(("'s", "’s")):
            core = core[:-2]
        elif core.endswith(("'", "’")):
            core = core[:-1]  # "Sessions'"
        key = folded[start : start + len(core)].rstrip(".")
        upper = len(core) > 2 and core.isupper()
        cls = _classify(raw, key, upper, shouting)
        if cls == "I" and _is_acronym_or_word(text, start, raw, out):
            cls = "X"  # "U.S.", "A Resource": not a middle initial
        out.append(Word(start, start + (len(raw) if cls == "I" else len(core)), raw, key, cls))
        if raw.endswith(".") and cls not in "IC" and key not in _ABBREVIATIONS:
            out.append(None)  # a full stop ends the phrase
    return out


def _is_acronym_or_word(text: str, start: int, raw: str, before: list) -> bool:
    """A capital letter that is not an initial: part of an acronym (`U.S.`, `D.C.`), or
    without a dot where no name word stands right before it (`A Resource`)."""
    end = start + len(raw)
    if (start > 0 and text[start - 1] == ".") or text[end : end + 1].isalpha():
        return True
    previous = before[-1] if before else None
    return not raw.endswith(".") and (previous is None or previous.cls not in "GSO")


_ABBREVIATIONS = NAME_SUFFIXES | frozenset(
    ["av", "avda", "pje", "psje", "st", "sto", "sta", "gral", "nro", "no"]
)
_COMMA = Word(-1, -1, ",", ",", ",")


@dataclass
class Phrase:
    words: list[Word]
    before: list[Word | None]  # the tokens before it, nearest last

    @property
    def start(self) -> int:
        return self.words[0].start

    @property
    def end(self) -> int:
        return self.words[-1].end


def _phrases(tokens: list[Word | None]) -> list[Phrase]:
    """Runs of capitalised words (with particles inside), split at every other token."""
    phrases: list[Phrase] = []
    run: list[Word] = []
    start_index = 0
    for index, token in enumerate([*tokens, None]):
        joins = (
            token is not None
            and token.cls in "GSIOXCP"
            and (token.cls != "P" or bool(run) or token.text[:2].istitle())
        )
        if joins:
            if not run:
                start_index = index
            run.append(token)
            continue
        if not run:
            continue
        for offset, part in _split_before_institutions(run):
            index0 = start_index + offset
            phrases.append(Phrase(part, tokens[max(0, index0 - 4) : index0]))
        run = []
    return phrases


def _split_before_institutions(run: list[Word]) -> list[tuple[int, list[Word]]]:
    """`Iván Soto del Colegio Municipal`: two phrases, cut at the lower-case particle."""
    parts, start = [], 0
    for i, word in enumerate(run):
        if (
            word.cls == "P"
            and not word.text[0].isupper()
            and i + 1 < len(run)
            and run[i + 1].key in _PLACE_CONTEXT
        ):
            parts.append((start, run[start:i]))
            start = i + 1
    parts.append((start, run[start:]))
    return [(offset, trim_particles(part)) for offset, part in parts if trim_particles(part)]


def _is_institution(phrase: Phrase) -> bool:
    words = phrase.words
    honorific = next((i for i, w in enumerate(words) if w.key in HONORIFICS), len(words))
    # "Sr. Adriana Pérez Decreto N° 1": a word after the honorific's name ends the name.
    for i, word in enumerate(words[:honorific]):
        if (
            word.key in INSTITUTION_WORDS
            or word.key in ORG_MARKERS
            or (word.key in PLACE_WORDS and word.key not in INNER_TITLES and word.cls == "X")
        ):
            # "Del Río", "De la Fuente": a place word after a particle is a surname.
            if i > 0 and words[i - 1].cls == "P" and i >= 2 and words[i - 2].is_name:
                continue
            return True
    before = phrase.before
    if before and before[-1] is not None and before[-1] is not _COMMA:
        last = before[-1]
        if last.key in _PLACE_CONTEXT and (last.text[0].isupper() or last.key in _STREET_PLACES):
            return True  # "calle Arturo Prat", "Escuela Básica Arturo Prat"
        if last.key in ("y", "con", "esquina", "and") and any(
            t is not None and t.key in _STREET_WORDS for t in before[:-1]
        ):
            return True  # "calle Arturo Prat y Manuel Montt": a street corner
        if last.key in ("a", "de", "del", "of") and len(before) >= 2 and before[-2] is not None:
            previous = before[-2]
            if previous.text[:1].isupper() and previous.key in _PLACE_CONTEXT:
                return True  # "Monumento a Bernardo O'Higgins", "Department of Justice X"
    return False


@lru_cache(maxsize=1)
def _named_places() -> tuple[str, ...]:
    """Comuna names (folded) holding a given name: `pedro aguirre cerda`, `maria elena`."""
    try:
        from schemas import load_code_list

        names = load_code_list("comunas")["comuna_name"].dropna()
    except Exception:  # the scrubber must work without the code list
        return ()
    given, _ = _name_lists()
    folded = (fold(nfc(str(name))) for name in names)
    return tuple(n for n in folded if any(t in given for t in n.split()) and " " in n)


def _split_at_stops(words: list[Word]) -> list[tuple[list[Word], str]]:
    """Name segments of a phrase, each with the cue word right before it ("" if none)."""
    segments: list[tuple[list[Word], str]] = []
    current: list[Word] = []
    cued = ""
    for i, word in enumerate(words):
        if word.cls == "X" and i >= 2 and words[i - 1].cls == "P" and words[i - 2].is_name:
            current.append(word)  # "Del Río", "De la Fuente": a surname after a particle
        elif word.cls == "C":
            if current:
                segments.append((current, cued))
            current, cued = [], word.key
        elif word.cls == "P":
            if current or word.text[:2].istitle():
                current.append(word)
        elif (
            word.cls == "G"
            and current
            and current[-1].cls == "P"
            and not any(w.cls in "GS" for w in current)
        ):
            current, cued = [word], ""  # "Remuneración de Pedro Soto": the name starts here
        elif word.cls == "X" or (
            word.cls == "O" and (word.key in SENTENCE_WORDS or word.key in ROLE_WORDS)
        ):
            if current:
                segments.append((current, cued))
            current, cued = [], ""
        else:
            current.append(word)
    if current:
        segments.append((current, cued))
    return [(trim_particles(s), c) for s, c in segments if trim_particles(s)]


def trim_particles(words: list[Word]) -> list[Word]:
    while words and words[-1].cls == "P":
        words = words[:-1]
    return words


def _cue_before(phrase: Phrase, folded: str) -> str | bool:
    """The cue word before the phrase (`funcionaria`, `don`), True for a self-introduction
    or signature, "" for none."""
    before = [t for t in phrase.before if t is not None]
    if before and before[-1] is not _COMMA and before[-1].cls in ("c", "C"):
        return before[-1].key
    match = _SELF_CUE_RE.search(folded, max(0, phrase.start - 40), phrase.start)
    if match is None:
        return ""
    first = match.group().split()[0].strip(".,")
    return first if first in SIGNOFFS else True


def _looks_like_name(segment: list[Word]) -> bool:
    core = [w for w in segment if w.cls != "P"]
    if len(core) < 2:
        return False
    known = sum(w.cls in "GS" for w in core)
    first = next((w for w in core if w.cls != "I"), None)
    if first is None:
        return False
    if first.cls == "G" or known >= 2 or core[0].cls == "I":
        return True
    # "Wei McDowell", "Jamal Brooks": an unknown capitalised word, then a surname.
    return len(core) <= 4 and core[-1].cls == "S" and all(w.cls in "GSIO" for w in core)


def _name_shaped(segment: list[Word]) -> bool:
    core = [w for w in segment if w.cls != "P"]
    return 1 <= len(core) <= 5 and all(w.cls in "GSIO" for w in core)


@dataclass(frozen=True)
class NameSpan:
    start: int
    end: int
    cued: bool


def find_name_phrases(text: str, folded: str | None = None) -> list[NameSpan]:
    """People's names among the capitalised phrases of `text` (see the module doc)."""
    return list(_name_phrases(text))


@lru_cache(maxsize=256)  # the scrubber asks twice per text: cued names, then guesses
def _name_phrases(text: str) -> tuple[NameSpan, ...]:
    folded = fold(text)
    if _UPPER_RE.search(text) is None:  # no capitalised word: only lower-case names
        return tuple(_lowercase_names(text, folded))
    tokens = _words(text, folded)
    found: list[tuple[list[Word], bool]] = []
    candidates: list[list[Word]] = []
    for phrase in _phrases(tokens):
        if _is_institution(phrase) or _holds_place_name(folded, phrase):
            continue
        for index, (segment, cue) in enumerate(_split_at_stops(phrase.words)):
            if index == 0 and segment[0] is phrase.words[0]:
                cue = cue or _cue_before(phrase, folded)
            cued = bool(cue) and (
                cue is True
                or cue in HONORIFICS
                or cue in ROLE_CUES
                or any(w.cls in "GSI" for w in segment)
            )
            if cue in SIGNOFFS and len(segment) < 2:
                cued = False  # "Atentamente, Juan": a signature needs two words
            if cued and _name_shaped(segment):
                found.append((segment, True))
            elif _looks_like_name(segment):
                found.append((segment, False))
            elif (
                len(segment) == 1
                and (segment[0].cls == "S" or (cue and segment[0].cls == "O"))
                and _given_after_comma(text, segment)
            ):
                found.append((segment, False))  # "Orellana, Segundo"
            elif _name_shaped(segment) and len(segment) >= 2:
                candidates.append(segment)
    found = _join_lists(text, found, candidates)
    spans = [NameSpan(s[0].start, s[-1].end, cued) for s, cued in found]
    spans = _join_commas(text, tokens, spans)
    spans += _lowercase_names(text, folded)
    return tuple(sorted(set(spans), key=lambda s: (s.start, s.end)))


def _holds_place_name(folded: str, phrase: Phrase) -> bool:
    """A comuna named after a person (`Pedro Aguirre Cerda`, `San Pedro de la Paz`)."""
    phrase_text = folded[phrase.start : phrase.end]
    return phrase_text.startswith(_named_places())


def _join_lists(text: str, found: list, candidates: list) -> list:
    """Name-shaped segments next to a name in a list (`A, B y C`) are names too."""
    changed = True
    while changed and candidates:
        changed = False
        for segment in list(candidates):
            for name, cued in found:
                if name[-1].end <= segment[0].start:
                    left, right = name, segment
                else:
                    left, right = segment, name
                if _LIST_GAP_RE.fullmatch(text, left[-1].end, right[0].start):
                    found.append((segment, cued))
                    candidates.remove(segment)
                    changed = True
                    break
    return found


_COMMA_GIVEN_RE = re.compile(r"\s*,\s*")
_NEXT_WORD_RE = re.compile(r"\s*,\s*([^\W\d_]+)")


def _given_after_comma(text: str, segment: list[Word]) -> bool:
    match = _NEXT_WORD_RE.match(text, segment[-1].end)
    return (
        match is not None
        and match.group(1)[0].isupper()
        and (fold(match.group(1)).lower() in _name_lists()[0])
    )


def _institution_follows(text: str, words: list[Word], k: int) -> bool:
    """True when the capitalised run right after `words[k]` holds an institution word."""
    for previous, word in zip(words[k:], words[k + 1 :], strict=False):
        if not word.text[0].isupper() or text[previous.end : word.start].strip(" .") != "":
            return False
        if word.key in _PLACE_CONTEXT:
            return True
    return False


def _join_commas(text: str, tokens: list[Word | None], spans: list[NameSpan]) -> list[NameSpan]:
    """`SOTO PÉREZ, MARÍA` and `Soto, María`: given names after the comma; `, Jr.` suffixes."""
    given, _ = _name_lists()
    words = [t for t in tokens if t is not None and t is not _COMMA]
    by_start = {w.start: i for i, w in enumerate(words)}
    out = []
    for span in spans:
        end = span.end
        gap = _COMMA_GIVEN_RE.match(text, end)
        if gap and gap.end() in by_start:
            i = by_start[gap.end()]
            taken = []
            # After a cue, a lone surname's given name may be any word ("nurse Lindqvist,
            # Lakisha"); not after a full name ("Sally Q. Yates, Assistant Attorney").
            lone = not re.search(r"\s", text[span.start : span.end])
            allowed = "GIO" if span.cued and lone else "GI"
            while i < len(words) and words[i].cls in allowed and len(taken) < 3:
                if taken and not re.fullmatch(r"\s+", text[taken[-1].end : words[i].start]):
                    break
                taken.append(words[i])
                i += 1
            if taken and (
                (span.cued and lone) or all(w.key in given or w.cls == "I" for w in taken)
            ):
                nxt = words[i] if i < len(words) else None
                if nxt is None or nxt.start > taken[-1].end + 1 or nxt.cls not in "SO":
                    end = taken[-1].end
            elif words[by_start[gap.end()]].key in NAME_SUFFIXES:
                k = by_start[gap.end()]
                end = words[k].end
                if _institution_follows(text, words, k):
                    continue  # "The Joseph R. Biden, Jr. Railroad Station"
        out.append(NameSpan(span.start, end, span.cued))
    return out


_LOWER_RE = re.compile(r"\b[a-z]{3,}(?: [a-z]{3,}(?:-[a-z]{3,})?){2,3}\b")


def _is_surname_key(key: str, surnames: frozenset[str]) -> bool:
    parts = key.split("-")
    return all(p not in NOT_NAMES for p in parts) and any(
        p in surnames or _is_mapuche(p) for p in parts
    )


def _lowercase_names(text: str, folded: str) -> list[NameSpan]:
    given, surnames = _name_lists()
    spans = []
    for match in _LOWER_RE.finditer(folded):
        if not text[match.start() : match.end()].islower():
            continue
        keys = match.group().split()
        if (
            keys[0] in given
            and keys[0] not in COMMON_WORDS | NOT_NAMES
            and all(_is_surname_key(k, surnames) for k in keys[1:])
        ):
            spans.append(NameSpan(match.start(), match.end(), False))
    return spans

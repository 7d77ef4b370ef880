"""Measure a detector against a labelled corpus: recall and precision per kind.

A corpus record is `{"text": ..., "spans": [{"start", "end", "kind"}], "requester"?}`
(see `tests/quality/fixtures/subjects_corpus.jsonl`). A detector is any function
`(text, requester) -> [(start, end, kind)]`.

Span-level scoring, on word characters (letters and digits; punctuation and spaces at
a span's edges do not count):

* a labelled span is **found** when every word character of it is removed, by a
  span of any kind (what matters is that it is not published);
* a removed span is **correct** when every word character of it lies in a labelled
  span, so removing one ordinary word too many ("Sr." before the name, "of" before
  "Coventry") makes the whole span wrong.

Recall is per labelled kind, precision per removed kind (`person_name_cue` and
`person_name_guess` count as `person_name`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

KINDS = ("person_name", "rut", "email", "phone", "address")
_KIND_OF = {"person_name_cue": "person_name", "person_name_guess": "person_name"}

Detector = Callable[[str, str | None], Iterable[tuple[int, int, str]]]


@dataclass
class KindScore:
    labelled: int = 0
    found: int = 0
    removed: int = 0
    correct: int = 0

    @property
    def recall(self) -> float | None:
        return self.found / self.labelled if self.labelled else None

    @property
    def precision(self) -> float | None:
        return self.correct / self.removed if self.removed else None


@dataclass
class Miss:
    """One error, for a reader tuning the detectors: a missed or a wrongly removed span."""

    record_id: str
    kind: str
    what: str  # "missed" | "over-removed"
    span_text: str
    text: str


def _word_chars(text: str, start: int, end: int) -> set[int]:
    return {i for i in range(start, end) if text[i].isalnum()}


def score(records: Iterable[dict], detector: Detector) -> tuple[dict[str, KindScore], list[Miss]]:
    """Per-kind scores of `detector` on `records`, and the list of its errors."""
    scores = {kind: KindScore() for kind in KINDS}
    misses: list[Miss] = []
    for record in records:
        text = record["text"]
        gold = [(s["start"], s["end"], s["kind"]) for s in record["spans"]]
        predicted = [
            (start, end, _KIND_OF.get(kind, kind))
            for start, end, kind in detector(text, record.get("requester"))
        ]
        labelled_chars = set().union(*(_word_chars(text, s, e) for s, e, _ in gold))
        removed_chars = set().union(*(_word_chars(text, s, e) for s, e, _ in predicted))
        for start, end, kind in gold:
            entry = scores.setdefault(kind, KindScore())
            entry.labelled += 1
            if _word_chars(text, start, end) <= removed_chars:
                entry.found += 1
            else:
                misses.append(Miss(record["id"], kind, "missed", text[start:end], text))
        for start, end, kind in predicted:
            entry = scores.setdefault(kind, KindScore())
            chars = _word_chars(text, start, end)
            if not chars:
                continue
            entry.removed += 1
            if chars <= labelled_chars:
                entry.correct += 1
            else:
                misses.append(Miss(record["id"], kind, "over-removed", text[start:end], text))
    return scores, misses


def _percent(value: float | None) -> str:
    return "  —  " if value is None else f"{100 * value:5.1f}"


def format_table(columns: dict[str, dict[str, KindScore]]) -> str:
    """A plain-text table: one row per kind, recall and precision per named column."""
    names = list(columns)
    header = f"{'kind':<12} {'labelled':>8}" + "".join(
        f" | {name[:18]:>18} R%   P%" for name in names
    )
    lines = [header, "-" * len(header)]
    extra = sorted({k for c in columns.values() for k in c} - set(KINDS))
    kinds = [k for k in (*KINDS, *extra) if any(k in c for c in columns.values())]
    for kind in kinds:
        labelled = next((c[kind].labelled for c in columns.values() if kind in c), 0)
        row = f"{kind:<12} {labelled:>8}"
        for name in names:
            entry = columns[name].get(kind, KindScore())
            row += f" | {'':>11}{_percent(entry.recall)} {_percent(entry.precision)}"
        lines.append(row)
    return "\n".join(lines)

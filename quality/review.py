"""The privacy review queue: rows held because their free text could not be cleaned
confidently, the reviewer's decisions, and the private report listing them.

Decisions live in `ABIERTO_HOME/review/decisions.yaml` (private), by table and row
key (the row's primary key joined by `/`, as the report prints it):

```yaml
access_requests:
  99901/MU999T0000012:
    decision: release            # publish it on the next run
    text: Solicita copia del decreto de la patente de alcoholes.   # optional correction
  99901/MU999T0000013:
    decision: keep-held          # stays held and listed
purchase_orders:
  2431-157-CM26:
    decision: release
    fields: {description: Compra de combustible.}   # a correction per field
```

`release` publishes the row with the reviewer's text where given, else with the
automatically cleaned text; the publish gate still scans it. `keep-held` (or no
decision) keeps it held. The queue (`quarantine/<cut>/<dataset>/review.json` and a
readable `review.md`) holds raw text: it stays private like the rest of quarantine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from datasets.errors import AbiertoError
from schemas import load_descriptor

DECISIONS = ("release", "keep-held")
REASON_WORDS = {
    "possible-rut": ("posible RUT", "possible RUT"),
    "possible-email": ("posible correo electrónico", "possible e-mail"),
    "possible-phone": ("posible teléfono", "possible phone number"),
    "possible-name": ("posible nombre de persona", "possible person's name"),
    "possible-address": ("posible dirección", "possible address"),
}
# What the reviewer looks for and does, per reason (the queue never repeats a value).
REASON_HINTS = {
    "possible-rut": (
        "quedó un número con forma de RUT (o tras la palabra RUT) con dígito verificador "
        "erróneo; elimínelo o confirme que no es un RUT",
        "a number shaped like a RUT (or after the word RUT) with a wrong check digit is "
        "left; remove it or confirm it is not a RUT",
    ),
    "possible-email": (
        "quedó una @ pegada a una palabra o la palabra «arroba»; elimine la dirección o "
        "confirme que no lo es",
        "a @ touching a word, or the word 'arroba', is left; remove the address or "
        "confirm it is not one",
    ),
    "possible-phone": (
        "quedan dígitos tras +56 o tras «fono», «celular», «teléfono»; elimínelos o "
        "confirme que no son un teléfono",
        "digits are left after +56 or after a phone word; remove them or confirm they "
        "are not a phone number",
    ),
    "possible-name": (
        "tras «mi nombre es», «el suscrito» o un tratamiento (Sr., Sra., don, doña) quedó "
        "una palabra sin eliminar; elimine el nombre o confirme que no lo es",
        "a word after a self-introduction or an honorific (Sr., Sra., don, doña) was not "
        "removed; remove the name or confirm it is not one",
    ),
    "possible-address": (
        "tras «domicilio», «vivo en» o «mi dirección» quedó un número; elimine la "
        "dirección o confirme que no lo es",
        "a number is left after 'domicilio', 'vivo en' or 'mi dirección'; remove the "
        "address or confirm it is not one",
    ),
}


class DecisionError(AbiertoError):
    """The reviewer's decision file cannot be applied."""

    type = "review-decision-error"


@dataclass(frozen=True)
class Decision:
    action: str
    fields: dict[str, str] = field(default_factory=dict)


def load_decisions(path: Path) -> dict[str, dict[str, Decision]]:
    """Decisions by table and row key; {} when the file does not exist."""
    if not path.exists():
        return {}
    try:
        document = yaml.safe_load(path.read_text("utf-8")) or {}
    except yaml.YAMLError as error:
        raise DecisionError(
            "el archivo de decisiones no es YAML válido",
            "the decision file is not valid YAML",
            file=path.name,
            row=getattr(getattr(error, "problem_mark", None), "line", None),
        ) from None
    if not isinstance(document, dict):
        raise DecisionError(
            "se esperaba «tabla: {clave: decisión}»",
            "expected 'table: {key: decision}'",
            file=path.name,
        )
    return {
        str(table): {str(key): _decision(path, str(key), e) for key, e in (rows or {}).items()}
        for table, rows in document.items()
    }


def _decision(path: Path, key: str, entry: object) -> Decision:
    entry = {"decision": entry} if isinstance(entry, str) else entry
    action = entry.get("decision") if isinstance(entry, dict) else None
    if action not in DECISIONS:
        raise DecisionError(
            f"decisión inválida para «{key}»: use release o keep-held",
            f"invalid decision for '{key}': use release or keep-held",
            file=path.name,
        )
    fields = {str(k): str(v) for k, v in (entry.get("fields") or {}).items()}
    if entry.get("text") is not None:
        fields["*"] = str(entry["text"])
    return Decision(action, fields)


def row_keys(frame: pd.DataFrame, table: str) -> pd.Series:
    """Each row's key: its primary-key values joined by `/` (e.g. `99901/MU999T0000012`)."""
    key = load_descriptor(table).get("primaryKey", [])
    key = [key] if isinstance(key, str) else key
    if frame.empty:
        return pd.Series([], index=frame.index, dtype=object)
    return frame[key].astype(str).agg("/".join, axis=1)


def release_reviewed(
    table: str,
    held: pd.DataFrame,
    held_public: pd.DataFrame,
    decisions: dict[str, Decision],
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """(rows released by the reviewer, as published; rows still held; released keys).

    `held` and `held_public` share their index (see `PrivacyResult`). A `text`
    correction applies to the held field; with several held fields use `fields`.
    """
    keys = row_keys(held, table)
    release = keys.map(lambda k: k in decisions and decisions[k].action == "release")
    release = release.astype(bool)
    released = held_public[release].copy()
    for index in released.index:
        decision = decisions[keys[index]]
        flagged = [e["fieldName"] for e in held.at[index, "_errors"] if e.get("fieldName")]
        for name, text in decision.fields.items():
            if name == "*":
                if len(flagged) != 1:
                    raise DecisionError(
                        f"«{keys[index]}» tiene {len(flagged)} campos retenidos: "
                        "use «fields» en lugar de «text»",
                        f"'{keys[index]}' has {len(flagged)} held fields: use 'fields', not 'text'",
                    )
                name = flagged[0]
            if name not in flagged:
                raise DecisionError(
                    f"«{keys[index]}»: el campo «{name}» no fue retenido",
                    f"'{keys[index]}': field '{name}' was not held",
                )
            released.at[index, name] = text
    return released.reset_index(drop=True), held[~release], sorted(keys[release])


def write_review_queue(folder: Path, held: dict[str, pd.DataFrame], released: list[str]) -> dict:
    """Write the private review report (`review.json`, `review.md`); return it.

    Lists every held row with its key, source position, held fields, reasons and
    both the original and the cleaned text, for the reviewer to decide.
    """
    items = []
    for table, frame in held.items():
        keys = row_keys(frame, table)
        for index in frame.index:
            row = frame.loc[index]
            errors = row["_errors"]
            cleaned = row.get("_cleaned")
            cleaned = cleaned if isinstance(cleaned, dict) else {}
            fields = [
                {
                    "field": e["fieldName"],
                    "reasons": e.get("reasons", []),
                    "original": row[e["fieldName"]],
                    "cleaned": cleaned.get(e["fieldName"]),
                }
                for e in errors
                if e.get("type") == "privacy-review" and e.get("fieldName")
            ]
            items.append(
                {
                    "table": table,
                    "key": keys[index],
                    "source_file": row["_source_file"],
                    "source_row": int(row["_source_row"]),
                    "held_because": sorted({e["type"] for e in errors}),
                    "fields": fields,
                }
            )
    report = {"held": items, "released_by_reviewer": released}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "review.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (folder / "review.md").write_text(_markdown(report), encoding="utf-8")
    return report


def _markdown(report: dict) -> str:
    lines = [
        "# Revisión de privacidad / Privacy review",
        "",
        "PRIVADO: contiene texto sin depurar; no publicar. "
        "PRIVATE: holds uncleaned text; never publish.",
        "",
        "Para publicar una fila, agregue a `review/decisions.yaml` / To publish a row, add to "
        "`review/decisions.yaml`: `<tabla/table>: {<clave/key>: {decision: release, text: ...}}`"
        " (o/or `keep-held`).",
        "",
        f"Filas retenidas / Held rows: {len(report['held'])}. "
        f"Liberadas por revisión / Released by review: {len(report['released_by_reviewer'])}.",
    ]
    for item in report["held"]:
        lines += [
            "",
            f"## {item['table']} · `{item['key']}`",
            "",
            f"- {item['source_file']}, fila/row {item['source_row']}; "
            f"{', '.join(item['held_because'])}",
        ]
        for entry in item["fields"]:
            words = [REASON_WORDS.get(r, (r, r)) for r in entry["reasons"]]
            hints = [REASON_HINTS[r] for r in entry["reasons"] if r in REASON_HINTS]
            lines += [
                f"- `{entry['field']}`: " + "; ".join(f"{es} / {en}" for es, en in words),
                *(f"  - {es} / {en}" for es, en in hints),
                f"  - original: {entry['original']}",
                f"  - depurado / cleaned: {entry['cleaned']}",
            ]
    return "\n".join(lines) + "\n"

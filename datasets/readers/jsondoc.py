"""JSON documents: parsed whole, one per line, or concatenated; and flattened to records.

A document that ends before its value is closed is refused as truncated.
"""

from __future__ import annotations

import json

from datasets.errors import SourceError, TruncatedFileError


def load_documents(text: str, file: str) -> list[object]:
    """One JSON value, or several one after another (JSON Lines, concatenated packages)."""
    decoder = json.JSONDecoder()
    documents, position = [], 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            break
        try:
            value, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            if _cut(text, exc):
                raise TruncatedFileError(
                    f"el JSON está cortado: termina antes de cerrar su valor ({exc.msg}, "
                    f"línea {exc.lineno}, columna {exc.colno})",
                    f"the JSON is truncated: it ends before its value is closed ({exc.msg}, "
                    f"line {exc.lineno}, column {exc.colno})",
                    file=file,
                    row=exc.lineno,
                ) from None
            raise SourceError(
                f"JSON inválido (línea {exc.lineno}, columna {exc.colno}): {exc.msg}",
                f"invalid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}",
                file=file,
                row=exc.lineno,
            ) from None
        documents.append(value)
    if not documents:
        raise SourceError("el archivo no tiene contenido", "the file has no content", file=file)
    return documents


def _cut(text: str, error: json.JSONDecodeError) -> bool:
    """The parser ran out of text: at the very end, or in a string never closed (a JSON
    string cannot hold a raw line break, so an unclosed one reaches the end)."""
    return error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string")


def flatten_records(document: object, path: str) -> list[dict[str, object]]:
    """Records at `path` (`Listado[].Items.Listado[]`), each with the scalar fields of
    its ancestors, keyed by their dotted path from the root (`Listado.Comprador.NombreUnidad`,
    `Listado.Items.Listado.Adjudicacion.MontoUnitario`)."""
    steps = path.split(".")
    found: list[dict[str, object]] = []

    def walk(node: object, remaining: list[str], prefix: str, inherited: dict) -> None:
        if not remaining:
            if isinstance(node, dict):
                found.append(inherited | _scalars(node, prefix))
            return
        step, rest = remaining[0], remaining[1:]
        key, many = step.removesuffix("[]"), step.endswith("[]")
        here = inherited | (_scalars(node, prefix) if isinstance(node, dict) else {})
        child = node.get(key) if isinstance(node, dict) else None
        name = f"{prefix}{key}"
        for item in (child or []) if many and isinstance(child, list) else [child] if child else []:
            walk(item, rest, f"{name}.", here)

    walk(document, steps, "", {})
    return found


def _scalars(node: dict, prefix: str) -> dict[str, object]:
    """Scalar fields of an object and of its nested objects (not of its lists)."""
    values: dict[str, object] = {}
    for key, value in node.items():
        if isinstance(value, dict):
            values |= _scalars(value, f"{prefix}{key}.")
        elif not isinstance(value, list):
            values[f"{prefix}{key}"] = value
    return values

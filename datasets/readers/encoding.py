"""Text encoding: detected with charset-normalizer among declared candidates, never assumed.

A declared encoding is checked, not trusted: a file declared Latin-1 that is valid
UTF-8 with accents is reported instead of being decoded into mojibake. Without a
declaration the detector chooses among the source's candidate encodings; when two
candidates decode the file into different text and the detector cannot tell them
apart, the file is reported as ambiguous rather than guessed. UTF-16 without a
byte-order mark is recognised by its NUL bytes (it is not ASCII).
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

from datasets.errors import EncodingError

_BOMS = (
    (codecs.BOM_UTF8, "utf_8_sig"),
    (codecs.BOM_UTF16_LE, "utf_16"),
    (codecs.BOM_UTF16_BE, "utf_16"),
)
_C1_CONTROLS = re.compile("[\x80-\x9f]")
_SINGLE_BYTE = {"iso8859_1", "cp1252", "iso8859_15", "cp1250", "mac_roman"}


def _canonical(name: str) -> str:
    try:
        return codecs.lookup(name).name.replace("-", "_")
    except LookupError:
        return name


def decode(data: bytes, declared: str | None, candidates: list[str], file: str) -> tuple[str, str]:
    """Decode the bytes of a text file; return the text (no BOM) and the encoding used."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return _strict(data, name, file).removeprefix("\ufeff"), name
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:  # as unambiguous as a BOM: no 8-bit text has NUL every other byte
        return _strict(data, utf16, file), utf16
    if declared is not None:
        encoding = _canonical(declared)
        if encoding in _SINGLE_BYTE and _is_utf8_with_non_ascii(data):
            raise EncodingError(
                f"el descriptor declara {declared} pero el archivo está en UTF-8",
                f"the descriptor declares {declared} but the file is UTF-8",
                file=file,
            )
        return _strict(data, encoding, file), encoding
    if data.isascii():
        return data.decode("ascii"), "ascii"
    if _is_utf8_with_non_ascii(data):
        return data.decode("utf_8"), "utf_8"
    return _detect(data, [c for c in map(_canonical, candidates) if c != "utf_8"], file)


def _utf16_without_bom(data: bytes) -> str | None:
    """`utf_16_le`/`utf_16_be` for text whose every other byte is mostly NUL (Latin
    text in UTF-16 written without a byte-order mark), else None."""
    head = data[:4096]
    if b"\x00" not in head or len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.3 * len(odd) and even.count(0) == 0:
        return "utf_16_le"
    if even.count(0) > 0.3 * len(even) and odd.count(0) == 0:
        return "utf_16_be"
    return None


def _detect(data: bytes, candidates: list[str], file: str) -> tuple[str, str]:
    texts = {}
    for name in candidates:
        try:
            texts[name] = data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    if not texts:
        accepted = ", ".join(candidates)
        raise EncodingError(
            f"el archivo no está en ninguna de las codificaciones aceptadas ({accepted})",
            f"the file is in none of the accepted encodings ({accepted})",
            file=file,
        )
    clean = {name: text for name, text in texts.items() if not _C1_CONTROLS.search(text)}
    texts = clean or texts  # C1 control characters (U+0080–U+009F) are never office text
    if len(set(texts.values())) == 1:
        name = next(iter(texts))
        return texts[name], name
    matches = charset_normalizer.from_bytes(data, cp_isolation=list(texts), explain=False)
    ranked = [_canonical(m.encoding) for m in matches if _canonical(m.encoding) in texts]
    if ranked:
        best = matches.best()
        tied = [
            _canonical(m.encoding)
            for m in matches
            if best is not None and m.chaos == best.chaos and m.coherence == best.coherence
        ]
        if len({texts[name] for name in tied if name in texts}) <= 1:
            return texts[ranked[0]], ranked[0]
    raise EncodingError(
        "la codificación es ambigua (el texto cambia según se lea como "
        f"{' o '.join(texts)}); declárela con «encoding» en el descriptor",
        f"the encoding is ambiguous (the text differs when read as {' or '.join(texts)}); "
        "declare it with `encoding` in the descriptor",
        file=file,
    )


def _is_utf8_with_non_ascii(data: bytes) -> bool:
    if data.isascii():
        return False
    try:
        data.decode("utf_8")
    except UnicodeDecodeError:
        return False
    return True


def _strict(data: bytes, encoding: str, file: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise EncodingError(
            f"el byte {data[exc.start]:#04x} en la posición {exc.start} no es válido en {encoding}",
            f"byte {data[exc.start]:#04x} at offset {exc.start} is not valid {encoding}",
            file=file,
        ) from None
    except LookupError:
        raise EncodingError(
            f"codificación desconocida «{encoding}»", f"unknown encoding '{encoding}'", file=file
        ) from None

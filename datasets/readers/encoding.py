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
import hashlib
import itertools
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import charset_normalizer

from datasets.errors import EncodingError

_BOMS = (
    (codecs.BOM_UTF8, "utf_8_sig"),
    (codecs.BOM_UTF16_LE, "utf_16"),
    (codecs.BOM_UTF16_BE, "utf_16"),
)
_C1_CONTROLS = re.compile("[\x80-\x9f]")
BLOCK_BYTES = 8 << 20
#: At most this much of a file goes to charset-normalizer when two candidates tie.
DETECTOR_BYTES = 64 << 20
Blocks = Callable[[], Iterator[bytes]]
_SINGLE_BYTE = {"iso8859_1", "cp1252", "iso8859_15", "cp1250", "mac_roman"}


def _canonical(name: str) -> str:
    try:
        return codecs.lookup(name).name.replace("-", "_")
    except LookupError:
        return name


def decode(data: bytes, declared: str | None, candidates: list[str], file: str) -> tuple[str, str]:
    """Decode the bytes of a text file; return the text (no BOM) and the encoding used."""
    encoding = detect(lambda: iter([data]), declared, candidates, file)
    return data.decode(encoding).removeprefix("\ufeff"), encoding


def file_blocks(path: Path) -> Blocks:
    """The bytes of a file, block by block (bounded memory: an export is 1–2 GB)."""

    def blocks() -> Iterator[bytes]:
        with path.open("rb") as handle:
            yield from iter(lambda: handle.read(BLOCK_BYTES), b"")

    return blocks


def detect(
    blocks: Blocks, declared: str | None, candidates: list[str], file: str, *, verify=True
) -> str:
    """The encoding of the bytes that `blocks()` yields (once or more: each call reads
    them anew), found as `decode` finds it. A file that does not decode strictly in it
    is refused, unless `verify` is false: the caller then decodes it with `decoded`."""
    head = next(blocks(), b"")[:4096]
    for bom, name in _BOMS:
        if head.startswith(bom):
            return _verified(blocks, name, file, verify)
    utf16 = _utf16_without_bom(head)
    if utf16 is not None:  # as unambiguous as a BOM: no 8-bit text has NUL every other byte
        return _verified(blocks, utf16, file, verify)
    if declared is not None:
        encoding = _canonical(declared)
        if encoding in _SINGLE_BYTE and _is_utf8_with_non_ascii(blocks):
            raise EncodingError(
                f"el descriptor declara {declared} pero el archivo está en UTF-8",
                f"the descriptor declares {declared} but the file is UTF-8",
                file=file,
            )
        return _verified(blocks, encoding, file, verify)
    if all(block.isascii() for block in blocks()):
        return "ascii"
    if _is_utf8_with_non_ascii(blocks):
        return "utf_8"
    return _detect(blocks, [c for c in map(_canonical, candidates) if c != "utf_8"], file)


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


def _detect(blocks: Blocks, candidates: list[str], file: str) -> str:
    texts = {}  # candidate → digest of its text, for those that decode the file
    controls = set()  # candidates whose text has C1 control characters
    for name in candidates:
        digest = hashlib.sha256()
        try:
            for text in decoded(blocks, name, file):
                digest.update(text.encode("utf_8", "surrogatepass"))
                if _C1_CONTROLS.search(text):
                    controls.add(name)
        except EncodingError:
            continue
        texts[name] = digest.digest()
    if not texts:
        accepted = ", ".join(candidates)
        raise EncodingError(
            f"el archivo no está en ninguna de las codificaciones aceptadas ({accepted})",
            f"the file is in none of the accepted encodings ({accepted})",
            file=file,
        )
    clean = {name: text for name, text in texts.items() if name not in controls}
    texts = clean or texts  # C1 control characters (U+0080–U+009F) are never office text
    if len(set(texts.values())) == 1:
        return next(iter(texts))
    matches = charset_normalizer.from_bytes(
        _sample(blocks), cp_isolation=list(texts), explain=False
    )
    ranked = [_canonical(m.encoding) for m in matches if _canonical(m.encoding) in texts]
    if ranked:
        best = matches.best()
        tied = [
            _canonical(m.encoding)
            for m in matches
            if best is not None and m.chaos == best.chaos and m.coherence == best.coherence
        ]
        if len({texts[name] for name in tied if name in texts}) <= 1:
            return ranked[0]
    raise EncodingError(
        "la codificación es ambigua (el texto cambia según se lea como "
        f"{' o '.join(texts)}); declárela con «encoding» en el descriptor",
        f"the encoding is ambiguous (the text differs when read as {' or '.join(texts)}); "
        "declare it with `encoding` in the descriptor",
        file=file,
    )


def _sample(blocks: Blocks) -> bytes:
    """The bytes charset-normalizer weighs: the whole file up to `DETECTOR_BYTES`, else its
    first `DETECTOR_BYTES` (it samples a few hundred bytes from spread positions anyway)."""
    sample = bytearray()
    for block in blocks():
        sample += block[: DETECTOR_BYTES - len(sample)]
        if len(sample) >= DETECTOR_BYTES:
            break
    return bytes(sample)


def _is_utf8_with_non_ascii(blocks: Blocks) -> bool:
    if all(block.isascii() for block in blocks()):
        return False
    try:
        for _ in decoded(blocks, "utf_8", ""):
            pass
    except EncodingError:
        return False
    return True


def _verified(blocks: Blocks, encoding: str, file: str, verify: bool) -> str:
    if verify:
        for _ in decoded(blocks, encoding, file):
            pass
    return encoding


def decoded(blocks: Blocks, encoding: str, file: str) -> Iterator[str]:
    """The text of the blocks, decoded strictly; a byte that does not decode is refused
    with its offset in the file."""
    try:
        decoder = codecs.getincrementaldecoder(encoding)("strict")
    except LookupError:
        raise EncodingError(
            f"codificación desconocida «{encoding}»", f"unknown encoding '{encoding}'", file=file
        ) from None
    offset = 0
    for block in itertools.chain(blocks(), [b""]):
        pending = len(decoder.getstate()[0])
        try:
            yield decoder.decode(block, final=not block)
        except UnicodeDecodeError as exc:
            at = offset - pending + exc.start
            raise EncodingError(
                f"el byte {exc.object[exc.start]:#04x} en la posición {at} no es válido en "
                f"{encoding}",
                f"byte {exc.object[exc.start]:#04x} at offset {at} is not valid {encoding}",
                file=file,
            ) from None
        offset += len(block)

"""Typed errors for inputs a person must fix, with messages in Spanish and English."""

from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def _printable(text: str) -> str:
    """Control characters (a NUL of a misread file) and undecodable bytes of a file
    name (surrogates) shown as escapes: a message is always printable text."""
    return _CONTROL.sub(lambda m: repr(m.group(0))[1:-1], text)


class AbiertoError(Exception):
    """A user-facing error: a type code, a message in both languages and a position."""

    type = "abierto-error"

    def __init__(
        self,
        message_es: str,
        message_en: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message_es = _printable(message_es)
        self.message_en = _printable(message_en)
        self.file = None if file is None else _printable(file)
        self.row = row
        self.column = column
        super().__init__(self.message)

    @property
    def position(self) -> str:
        parts = [self.file or ""]
        if self.row is not None:
            parts.append(f"fila/row {self.row}")
        if self.column is not None:
            parts.append(f"columna/column «{self.column}»")
        return ", ".join(p for p in parts if p)

    @property
    def message(self) -> str:
        where = f"{self.position}: " if self.position else ""
        return f"[{self.type}] {where}{self.message_es} / {self.message_en}"

    def to_dict(self) -> dict:
        return {
            "type": self.type,
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "message_es": self.message_es,
            "message_en": self.message_en,
        }


class DescriptorError(AbiertoError):
    type = "descriptor-error"


class SourceError(AbiertoError):
    """The file cannot be read as the declared format."""

    type = "source-error"


class AmbiguousNumberError(SourceError):
    """A number whose marks the declared format cannot read without guessing."""

    type = "ambiguous-number"


class EncodingError(AbiertoError):
    type = "encoding-error"


class HeaderError(AbiertoError):
    """Expected columns are missing or duplicated."""

    type = "header-error"


class PublishBlocked(AbiertoError):
    """The publish gate refused a dataset; the previous release stays current."""

    type = "publish-blocked"


class TruncatedFileError(SourceError):
    """The file was cut short: a last record cut mid-row, inside quotes or mid-JSON, or
    without the footer its source always writes. Nothing of it is read."""

    type = "truncated-file"


class StructureError(SourceError):
    """A record does not fit the table's shape (fewer cells than the header, more
    columns than the limit): never padded or guessed, the file is refused."""

    type = "structure-error"


class UnsafeFileError(SourceError):
    """The file is refused before parsing: too large, a zip bomb or an XML bomb."""

    type = "unsafe-file"

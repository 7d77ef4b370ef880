"""What a national file's split reports: where every row went, and why a row was not
routed (private: it names buyers and keeps the text of malformed rows)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from datasets.errors import SourceError

REASONS = {
    "non-municipal-buyer": (
        "comprador que no es una municipalidad",
        "buyer is not a municipality",
    ),
    "unknown-municipal-buyer": (
        "comprador municipal que no está en la lista de municipalidades",
        "municipal-looking buyer not in the list of municipalities",
    ),
    "conflicting-identifiers": (
        "el código, el RUT o el nombre del comprador indican comunas distintas",
        "the buyer's code, RUT or name point to different comunas",
    ),
    "buyer-missing": ("la fila no indica comprador", "the row names no buyer"),
    "malformed-row": (
        "fila con un número de columnas distinto del encabezado",
        "row with a different number of columns than the header",
    ),
}
EXCLUDED = ("non-municipal-buyer",)
STATUS = ("routed", *REASONS)


class RoutingError(SourceError):
    """A national file that cannot be split with every row accounted for."""

    type = "routing-error"


@dataclass
class RoutingReport:
    """Where every row of a national file went (private: holds buyer names)."""

    file: str
    sha256: str
    source_format: str
    rows_in: int = 0
    routed: dict[str, int] = field(default_factory=dict)
    excluded: dict[str, int] = field(default_factory=dict)
    unmatched: dict[str, int] = field(default_factory=dict)
    #: reason → buyer name as written → rows
    buyers: dict[str, dict[str, int]] = field(default_factory=dict)
    malformed: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows_routed(self) -> int:
        return sum(self.routed.values())

    @property
    def rows_excluded(self) -> int:
        return sum(self.excluded.values())

    @property
    def rows_unmatched(self) -> int:
        return sum(self.unmatched.values())

    @property
    def balanced(self) -> bool:
        return self.rows_in == self.rows_routed + self.rows_excluded + self.rows_unmatched

    def to_dict(self) -> dict:
        data = asdict(self)
        data["rows_routed"] = self.rows_routed
        data["rows_excluded"] = self.rows_excluded
        data["rows_unmatched"] = self.rows_unmatched
        data["balanced"] = self.balanced
        data["reasons"] = {r: {"es": es, "en": en} for r, (es, en) in REASONS.items()}
        return data

    @classmethod
    def from_dict(cls, data: dict) -> RoutingReport:
        names = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in names})

    def summary(self) -> list[str]:
        """Bilingual lines for the log and the CLI (buyer names only for unmatched)."""
        lines = [
            f"{self.file}: {self.rows_in} filas / rows → {self.rows_routed} enrutadas a "
            f"{len(self.routed)} comunas / routed to {len(self.routed)} comunas, "
            f"{self.rows_excluded} excluidas / excluded, {self.rows_unmatched} sin "
            f"municipalidad / unmatched"
        ]
        for reason, count in sorted(self.excluded.items()):
            es, en = REASONS[reason]
            lines.append(f"  excluidas / excluded ({es} / {en}): {count}")
        for reason, count in sorted(self.unmatched.items()):
            es, en = REASONS[reason]
            lines.append(f"  sin enrutar / unmatched ({es} / {en}): {count}")
            for name, n in _top(self.buyers.get(reason, {})):
                lines.append(f"    {name or '(vacío / empty)'}: {n}")
        return lines


def _top(counts: dict[str, int], n: int = 20) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]

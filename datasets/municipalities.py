"""The installation's municipalities: which comunas it publishes and who publishes them.

Every value is checked when the file is loaded: CUT codes (5 digits, in the official
list unless `fictional: true`, each once), names (no control characters), the
publisher's URL (http or https) and e-mail, the optional `transparency_request_url`
(http or https) and the catalog's `site_url`. A bad value
in one municipality's entry refuses that entry only: :func:`load_installation`
returns the others, and the refused ones in `Installation.refused` with the entry,
the field and the reason, for the run to report (that comuna carries its previous
release). A bad `catalog` section, an unreadable file or no valid entry at all is a
:class:`DescriptorError` for the whole file.
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
import validators
import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from datasets.descriptor import DATASETS_DIR, SLUGS, Bilingual, safe_load_yaml
from datasets.errors import DescriptorError
from schemas import load_code_list

INSTALLATION_FILE = DATASETS_DIR / "municipalities.yaml"


def installation_path() -> Path:
    """The installation file: `ABIERTO_INSTALLATION` if set, else the bundled one."""
    return Path(os.environ.get("ABIERTO_INSTALLATION") or INSTALLATION_FILE)


class InvalidValue(ValueError):
    """A value refused by the installation's checks, said in Spanish and English."""

    def __init__(self, es: str, en: str) -> None:
        super().__init__(en)
        self.es, self.en = es, en


def _name(value: str) -> str:
    if not value.strip():
        raise InvalidValue("está vacío", "is empty")
    if any(unicodedata.category(c).startswith("C") for c in value):
        raise InvalidValue("tiene caracteres de control", "has control characters")
    return value


def _url(value: str) -> str:
    if not value.startswith(("http://", "https://")) or validators.url(value) is not True:
        raise InvalidValue(
            f"{value!r} no es una URL http(s) válida", f"{value!r} is not a valid http(s) URL"
        )
    return value


def _email(value: str) -> str:
    if validators.email(value) is not True:
        raise InvalidValue(
            f"{value!r} no es un correo válido", f"{value!r} is not a valid e-mail address"
        )
    return value


Name = Annotated[str, AfterValidator(_name)]
Url = Annotated[str, AfterValidator(_url)]
Email = Annotated[str, AfterValidator(_email)]


class Publisher(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: Name
    url: Url
    email: Email


class Municipality(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    cut: str = Field(pattern=r"^[0-9]{5}$")
    name: Name
    region_code: str = Field(pattern=r"^[0-9]{2}$")
    fictional: bool = False
    publisher: Publisher
    datasets: list[str] = Field(default_factory=lambda: list(SLUGS))
    # The law the publisher answers requests under (ISO 3166 code). Legal deadlines
    # (Ley 20.285) are computed only for "CL"; see docs/deadlines.md.
    jurisdiction: str = Field(default="CL", pattern=r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")
    # A request received on a non-working day: "next_working_day" (Ley 19.880 art. 25
    # as amended by Ley 21.180) or "receipt_date" (day 1 is the next working day).
    receipt_rule: Literal["next_working_day", "receipt_date"] = "next_working_day"
    # Where a citizen files an access-to-information request with this comuna (its own
    # portal or its page on the Portal de Transparencia). Optional: without it the
    # catalog says so and links to the Consejo para la Transparencia's portal.
    transparency_request_url: Url | None = None


class RefusedEntry(BaseModel):
    """A municipality entry of the installation file that was not loaded, and why."""

    model_config = ConfigDict(frozen=True)

    index: int  # position in `municipalities`, from 0
    cut: str | None  # as written, when the entry has one
    field: str  # e.g. "publisher.email"
    reason_es: str
    reason_en: str
    # a fictional comuna's (name, region_code) as written: its carried rows need its
    # line in the comunas code list (`comunas_table`)
    fictional: tuple[str, str] | None = None

    @property
    def where(self) -> str:
        return f"municipalities[{self.index}]" + (f" (CUT {self.cut})" if self.cut else "")

    @property
    def es(self) -> str:
        return f"entrada {self.where} rechazada, campo {self.field}: {self.reason_es}"

    @property
    def en(self) -> str:
        return f"entry {self.where} refused, field {self.field}: {self.reason_en}"


MISSING_SITE_URL = {
    "es": "falta catalog.site_url: sin él no se publican DCAT, data.json ni sitemap.xml, y los"
    " bloques schema.org pierden url, license y distribution",
    "en": "catalog.site_url is missing: without it DCAT, data.json and sitemap.xml are not"
    " published, and the schema.org blocks lose url, license and distribution",
}


class CatalogInfo(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    title: Bilingual
    description: Bilingual
    site_url: Url | None = None


class Installation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    catalog: CatalogInfo
    municipalities: list[Municipality]
    refused: list[RefusedEntry] = Field(default_factory=list)

    @property
    def carried_cuts(self) -> dict[str, RefusedEntry]:
        """CUT codes of refused entries (well-formed codes only), each with its first
        reason: their comunas keep their previous release while the entry is fixed."""
        carried: dict[str, RefusedEntry] = {}
        for entry in self.refused:
            if entry.cut and re.fullmatch(r"[0-9]{5}", entry.cut):
                carried.setdefault(entry.cut, entry)
        valid = {m.cut for m in self.municipalities}
        return {cut: entry for cut, entry in carried.items() if cut not in valid}

    @property
    def problems(self) -> list[dict[str, str]]:
        """What is wrong with the file itself, ``[{es, en}]``: refused entries, a missing
        ``site_url``. ``abierto check`` fails on any; a run publishes the valid entries."""
        problems = [{"es": r.es, "en": r.en} for r in self.refused]
        if not self.catalog.site_url:
            problems.append(MISSING_SITE_URL)
        return problems

    def municipality(self, cut: str) -> Municipality:
        for municipality in self.municipalities:
            if municipality.cut == cut:
                return municipality
        raise KeyError(cut)


def load_installation(path: Path = INSTALLATION_FILE) -> Installation:
    """The installation file, validated; bad municipality entries are refused one by one.

    Read once per process for the same bytes: with 346 comunas validating it costs a
    quarter of a second, and every step of every unit asks for it. The models are
    frozen, so the shared copy cannot be changed."""
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise _file_error(path, f"{exc}", f"{exc}") from None
    return _parse_installation(path, text)


@functools.lru_cache(maxsize=8)
def _parse_installation(path: Path, text: str) -> Installation:
    try:
        raw = safe_load_yaml(text)
    except yaml.YAMLError as exc:
        raise _file_error(path, f"{exc}", f"{exc}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("municipalities"), list):
        raise _file_error(
            path,
            "se esperaba un mapa con `catalog` y una lista `municipalities`",
            "expected a mapping with `catalog` and a list `municipalities`",
        )
    valid, refused = _check_entries(raw["municipalities"])
    try:
        installation = Installation.model_validate(
            {**raw, "municipalities": [], "refused": []}
        ).model_copy(update={"municipalities": valid, "refused": refused})
    except ValidationError as exc:
        raise _file_error(path, _describe(exc, "es"), _describe(exc, "en")) from None
    if not valid:
        raise _file_error(
            path,
            "ningún municipio válido: " + "; ".join(r.es for r in refused),
            "no valid municipality: " + "; ".join(r.en for r in refused),
        )
    return installation


def _check_entries(entries: list[Any]) -> tuple[list[Municipality], list[RefusedEntry]]:
    known = set(load_code_list("comunas")["comuna_code"])
    valid: list[Municipality] = []
    refused: list[RefusedEntry] = []
    for index, entry in enumerate(entries):
        cut = str(entry.get("cut")) if isinstance(entry, dict) and "cut" in entry else None
        fictional = (
            (entry["name"], entry["region_code"])
            if isinstance(entry, dict)
            and entry.get("fictional") is True
            and isinstance(entry.get("name"), str)
            and isinstance(entry.get("region_code"), str)
            else None
        )

        def refuse(field: str, es: str, en: str, index=index, cut=cut, fictional=fictional) -> None:
            refused.append(
                RefusedEntry(
                    index=index,
                    cut=cut,
                    field=field,
                    reason_es=es,
                    reason_en=en,
                    fictional=fictional,
                )
            )

        try:
            municipality = Municipality.model_validate(entry)
        except ValidationError as exc:
            error = exc.errors()[0]
            field = ".".join(str(p) for p in error["loc"]) or "(entrada / entry)"
            refuse(field, *_reason(error))
            continue
        if not municipality.fictional and municipality.cut not in known:
            refuse(
                "cut",
                f"el código CUT {municipality.cut} no existe en la lista oficial de comunas",
                f"CUT code {municipality.cut} is not in the official list of comunas",
            )
        elif any(m.cut == municipality.cut for m in valid):
            refuse(
                "cut",
                f"el código CUT {municipality.cut} ya aparece en una entrada anterior",
                f"CUT code {municipality.cut} already appears in an earlier entry",
            )
        else:
            valid.append(municipality)
    return valid, refused


def _reason(error: dict) -> tuple[str, str]:
    """(es, en) of one pydantic error: our own checks say both, pydantic's say English."""
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, InvalidValue):
        return cause.es, cause.en
    return f"valor no válido ({error['msg']})", error["msg"]


def _describe(exc: ValidationError, lang: str) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc'])}: {_reason(e)[lang == 'en']}" for e in exc.errors()
    )


def _file_error(path: Path, es: str, en: str) -> DescriptorError:
    return DescriptorError(
        f"configuración de municipios inválida: {es}",
        f"invalid municipalities configuration: {en}",
        file=str(path),
    )


def comunas_table(installation: Installation) -> pd.DataFrame:
    """The official comunas code list plus the installation's fictional comunas.

    A fictional comuna borrows its region's name and gets a fictional province
    (`<region>9`), so that it satisfies the code list's schema.
    """
    official = load_code_list("comunas").assign(is_fictional=False)
    regions = dict(zip(official["region_code"], official["region_name"], strict=False))
    entries = [(m.cut, m.name, m.region_code) for m in installation.municipalities if m.fictional]
    entries += [  # a refused fictional entry whose comuna is carried
        (cut, *entry.fictional)
        for cut, entry in installation.carried_cuts.items()
        if entry.fictional and cut not in set(official["comuna_code"])
    ]
    fictional = pd.DataFrame(
        [
            {
                "comuna_code": cut,
                "comuna_name": name,
                "provincia_code": f"{region}9",
                "provincia_name": "Provincia ficticia (datos de demostración)",
                "region_code": region,
                "region_name": regions.get(region, "Región ficticia"),
                "is_fictional": True,
            }
            for cut, name, region in entries
        ],
        columns=official.columns,
    )
    return pd.concat([official, fictional], ignore_index=True)

"""The installation's municipalities: which comunas it publishes and who publishes them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from datasets.descriptor import DATASETS_DIR, SLUGS, Bilingual
from datasets.errors import DescriptorError
from schemas import load_code_list

INSTALLATION_FILE = DATASETS_DIR / "municipalities.yaml"


def installation_path() -> Path:
    """The installation file: `ABIERTO_INSTALLATION` if set, else the bundled one."""
    return Path(os.environ.get("ABIERTO_INSTALLATION") or INSTALLATION_FILE)


class Publisher(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    url: str
    email: str


class Municipality(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cut: str = Field(pattern=r"^[0-9]{5}$")
    name: str
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


class CatalogInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Bilingual
    description: Bilingual
    site_url: str | None = Field(default=None, pattern=r"^https?://")


class Installation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    catalog: CatalogInfo
    municipalities: list[Municipality]

    def municipality(self, cut: str) -> Municipality:
        for municipality in self.municipalities:
            if municipality.cut == cut:
                return municipality
        raise KeyError(cut)


def load_installation(path: Path = INSTALLATION_FILE) -> Installation:
    try:
        installation = Installation.model_validate(yaml.safe_load(path.read_text("utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise DescriptorError(
            f"configuración de municipios inválida: {exc}",
            f"invalid municipalities configuration: {exc}",
            file=str(path),
        ) from None
    known = set(load_code_list("comunas")["comuna_code"])
    for municipality in installation.municipalities:
        if not municipality.fictional and municipality.cut not in known:
            raise DescriptorError(
                f"el código CUT {municipality.cut} no existe en la lista oficial de comunas",
                f"CUT code {municipality.cut} is not in the official list of comunas",
                file=str(path),
            )
    return installation


def comunas_table(installation: Installation) -> pd.DataFrame:
    """The official comunas code list plus the installation's fictional comunas.

    A fictional comuna borrows its region's name and gets a fictional province
    (`<region>9`), so that it satisfies the code list's schema.
    """
    official = load_code_list("comunas").assign(is_fictional=False)
    regions = dict(zip(official["region_code"], official["region_name"], strict=False))
    fictional = pd.DataFrame(
        [
            {
                "comuna_code": m.cut,
                "comuna_name": m.name,
                "provincia_code": f"{m.region_code}9",
                "provincia_name": "Provincia ficticia (datos de demostración)",
                "region_code": m.region_code,
                "region_name": regions.get(m.region_code, "Región ficticia"),
                "is_fictional": True,
            }
            for m in installation.municipalities
            if m.fictional
        ],
        columns=official.columns,
    )
    return pd.concat([official, fictional], ignore_index=True)

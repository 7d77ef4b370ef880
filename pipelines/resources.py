"""Dagster resources: where the runtime folders are and which municipalities to publish."""

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg

from datasets.municipalities import Installation, installation_path, load_installation
from pipelines.home import Home

SANTIAGO = ZoneInfo("America/Santiago")


class AbiertoResource(dg.ConfigurableResource):
    """The installation: `ABIERTO_HOME` folders and the municipalities file.

    Empty values fall back to the `ABIERTO_HOME` environment variable (default `./data`)
    and to `ABIERTO_INSTALLATION` or `datasets/municipalities.yaml`. `run_date` fixes the
    release date (ISO), for reproducible runs and backfills. `pseudonym_key_variable`
    names the environment variable holding the secret key of pseudonyms (see
    `pseudonym_key`).
    """

    home_dir: str = ""
    installation_file: str = ""
    run_date: str = ""
    pseudonym_key_variable: str = "ABIERTO_PSEUDONYM_KEY"

    def pseudonym_key(self) -> str | None:
        """The secret key of pseudonyms (keyed HMAC), read at run time through
        `dagster.EnvVar`: never part of the config, so the UI never shows it. None when
        unset: pseudonymised fields are then published empty (fail closed)."""
        return dg.EnvVar(self.pseudonym_key_variable).get_value() or None

    def home(self) -> Home:
        return Home.from_env(self.home_dir or None)

    def installation(self) -> Installation:
        from pathlib import Path

        return load_installation(
            Path(self.installation_file) if self.installation_file else installation_path()
        )

    def today(self) -> dt.date:
        if self.run_date:
            return dt.date.fromisoformat(self.run_date)
        return dt.datetime.now(SANTIAGO).date()

    def release_id(self) -> str:
        return self.today().isoformat()

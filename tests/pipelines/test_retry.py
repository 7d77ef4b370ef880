"""Transient I/O errors are retried; other errors fail at once."""

from __future__ import annotations

import dagster as dg
import pytest

from datasets.samples.comunas import seed_comuna, write_installation
from pipelines import steps
from pipelines.assets import comuna_partitions, dataset_assets
from pipelines.home import Home
from pipelines.resources import AbiertoResource

NO_WAIT = dg.RetryPolicy(max_retries=2, delay=0)


@pytest.mark.parametrize(
    ("error", "attempts", "success"), [(OSError, 2, True), (KeyError, 1, False)]
)
def test_only_transient_errors_are_retried(tmp_path, monkeypatch, error, attempts, success):
    home = Home(tmp_path / "abierto")
    seed_comuna(home.landing, "99901", slugs=("budgets",))
    installation = write_installation(tmp_path / "municipalities.yaml", ["99901"])
    calls = []
    real_ingest = steps.ingest

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise error("share not available")
        return real_ingest(*args, **kwargs)

    monkeypatch.setattr(steps, "ingest", flaky)
    assets = dataset_assets("budgets", comuna_partitions(["99901"]), retry=NO_WAIT)
    resource = AbiertoResource(home_dir=str(home.root), installation_file=str(installation))
    result = dg.materialize(
        assets,
        partition_key="99901",
        resources={"abierto": resource},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert len(calls) == attempts
    assert result.success is success

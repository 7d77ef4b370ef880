"""`abierto check`: run a dataset's quality rules on exports without publishing anything.

The same steps as a run (ingest, validate, derived columns, quality rules, publish gate);
the private quarantine report goes to a temporary folder that is removed afterwards.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from datasets.descriptor import load_descriptor
from datasets.ingest import read_source
from datasets.municipalities import Installation
from pipelines import steps
from pipelines.home import Home
from quality.rules.summary import quality_summary


def ingest_files(slug: str, files: list[Path], comuna_code: str) -> steps.IngestedDataset:
    """Read the given exports of one comuna as if they had landed."""
    dataset = load_descriptor(slug)
    ingested = steps.IngestedDataset(slug, [])
    for path in files:
        source = dataset.require_source(path.name)
        siblings = [p for p in files if p != path and source.matches(p.name)]
        raw = read_source(path, source, comuna_code=comuna_code, siblings=siblings)
        ingested.sources.append((comuna_code, raw))
    return ingested


def check_dataset(
    slug: str,
    installation: Installation,
    *,
    as_of: dt.date,
    files: list[Path] | None = None,
    comuna_code: str | None = None,
    home: Home | None = None,
) -> dict:
    """Quality report of the given files (or of every landed export in `home`)."""
    if files:
        cut = comuna_code or installation.municipalities[0].cut
        ingested = ingest_files(slug, files, cut)
    elif home is not None:
        ingested = steps.ingest(home, installation, slug)
    else:
        raise ValueError("check_dataset needs files or a home")
    with tempfile.TemporaryDirectory() as private:
        validated = steps.validate(ingested, installation, Path(private))
    prepared = steps.prepare(validated, installation, as_of=as_of)
    samples = {f.rule: f.sample for f in prepared.quality.findings}
    summary = quality_summary(prepared.quality)
    for rule in summary["rules"]:
        rule["sample_keys"] = samples[rule["rule"]]
    return {
        "dataset": slug,
        "files": [s["name"] for s in validated.sources],
        "quality": summary,
        "blocked": prepared.blocked,
        "installation": installation.problems,  # a refused entry, a missing site_url
    }

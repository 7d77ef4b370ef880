"""The pipeline's steps for one dataset, as plain Python (Dagster assets and the CLI call these).

ingest → validate → prepare (derived columns, privacy, publish gate) → release.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from datasets.descriptor import DatasetDescriptor, SourceFormat, descriptor_path, load_descriptor
from datasets.errors import AbiertoError
from datasets.ingest import RawSource, read_source
from datasets.memory import release_freed
from datasets.municipalities import Installation, comunas_table
from datasets.normalise import row_codes
from datasets.readers import not_a_regular_file
from datasets.routing import (
    NationalSplit,
    national_source,
    read_routed,
    split_national,
    write_routing_report,
)
from pipelines import digests
from pipelines.home import Home
from publish.file_report_page import write_file_reports
from quality.deadlines import OUTPUT_COLUMNS as DEADLINE_COLUMNS
from quality.deadlines import compute_deadlines
from quality.file_report import dataset_file_reports, invalid_share, invalid_share_reason
from quality.messages import public_error
from quality.privacy import apply_privacy, requester_identity
from quality.review import DecisionError, load_decisions, release_reviewed, write_review_queue
from quality.rules import QualityReport, context_tables, run_quality, with_every_field
from quality.validate import source_checks, validate_raw
from schemas import load_descriptor as load_schema_descriptor


@dataclass
class IngestedDataset:
    slug: str
    sources: list[tuple[str, RawSource]]
    rejected: list[dict] = field(default_factory=list)
    #: Where the rows of each national file went (`datasets.routing.RoutingReport`).
    routing: list[dict] = field(default_factory=list)
    #: What the outcome depends on (`unit_fingerprint`), recorded with it.
    fingerprint: dict | None = None

    def release_tables(self) -> None:
        """Drop the raw tables once validated: a Dagster run keeps every step's output
        in memory until it ends. Reading them afterwards is a KeyError, never empty."""
        for _cut, raw in self.sources:
            raw.tables.clear()


@dataclass
class ValidatedDataset:
    slug: str
    valid: dict[str, pd.DataFrame]
    quarantined: dict[str, pd.DataFrame]
    sources: list[dict]
    rejected: list[dict]
    excluded_tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    fingerprint: dict | None = None
    #: The validation checks' results (`pipelines.checks`), recorded with the outcome.
    checks: list[dict] = field(default_factory=list)

    def release_tables(self) -> None:
        """Drop the valid tables once prepared and recorded (see
        `IngestedDataset.release_tables`)."""
        self.valid.clear()


@dataclass
class PreparedDataset:
    slug: str
    tables: dict[str, pd.DataFrame]
    held: dict[str, pd.DataFrame]
    quarantined: dict[str, pd.DataFrame]
    dropped_values: set[str]
    sources: list[dict]
    blocked: list[dict]
    quality: QualityReport | None = None
    notes: list[dict] = field(default_factory=list)

    @property
    def is_blocked(self) -> bool:
        return bool(self.blocked)


def ingest(
    home: Home, installation: Installation, slug: str, *, comuna: str | None = None
) -> IngestedDataset:
    """Read every landed export of the dataset, for one comuna or every configured comuna."""
    dataset = load_descriptor(slug)
    result = IngestedDataset(slug, [])
    splits, refused = _split_national_files(home, dataset, result)
    for municipality in installation.municipalities:
        if slug not in municipality.datasets or comuna not in (None, municipality.cut):
            continue
        for path in home.landing_refused(municipality.cut, slug):
            error = not_a_regular_file(path)
            result.rejected.append({"comuna_code": municipality.cut, **error.to_dict()})
        landed = home.landing_files(municipality.cut, slug)
        for path in landed:
            try:
                source = dataset.require_source(path.name)
                siblings = [p for p in landed if p != path and source.matches(p.name)]
                raw = read_source(
                    path,
                    source,
                    comuna_code=municipality.cut,
                    siblings=siblings,
                    sha256=_file_digest(home, path),  # cached: the unit's fingerprint has it
                )
                result.sources.append((municipality.cut, raw))
            except AbiertoError as error:
                result.rejected.append({"comuna_code": municipality.cut, **error.to_dict()})
        _ingest_routed(splits, refused, municipality.cut, result)
    release_freed()
    return result


def _split_national_files(
    home: Home, dataset: DatasetDescriptor, result: IngestedDataset
) -> tuple[list[tuple[NationalSplit, SourceFormat]], list[dict]]:
    """Split each national file of the dataset (once per content, cached in the
    warehouse) and write its private routing report."""
    refused = [not_a_regular_file(p).to_dict() for p in home.national_refused(dataset.slug)]
    splits = []
    for path in home.national_files(dataset.slug):
        try:
            source = national_source(dataset, path.name)
            split = split_national(path, source, home.warehouse)
        except AbiertoError as error:
            refused.append(error.to_dict())
            continue
        write_routing_report(home.national_reports(dataset.slug), split.report)
        report = split.report.to_dict()
        # counts only: buyer names and malformed rows stay in the private report
        result.routing.append({k: v for k, v in report.items() if k not in {"buyers", "malformed"}})
        splits.append((split, source))
    return splits, refused


def _ingest_routed(splits: list, refused: list[dict], cut: str, result: IngestedDataset) -> None:
    """The comuna's rows of each national file; a national file that could not be split
    is a rejected file of every comuna."""
    result.rejected += [{"comuna_code": cut, **error} for error in refused]
    for split, source in splits:
        try:
            raw = read_routed(split, source, cut)
        except AbiertoError as error:
            result.rejected.append({"comuna_code": cut, **error.to_dict()})
            continue
        if raw is not None:
            result.sources.append((cut, raw))


# Datasets whose derived columns or quality rules depend on the run date (`derive`: the
# Ley 20.285 deadlines, `days_overdue`): their outcome is not carried from another day.
RUN_DATE_DEPENDENT = frozenset({"access_requests"})
# What the steps' code is: a change in any of these files runs every comuna again.
CODE = ("datasets", "quality", "schemas", "pipelines/steps.py", "pipelines/parts.py")
CODE_SUFFIXES = {".py", ".json", ".yaml", ".yml", ".csv", ".sql"}


def unit_fingerprint(
    home: Home,
    installation: Installation,
    slug: str,
    cut: str,
    *,
    as_of: dt.date,
    pseudonym_key: str | None,
) -> dict:
    """What a comuna × dataset's outcome depends on, as digests: its landed files (and
    the national files of the dataset), the dataset's descriptor and table schemas, the
    steps' code, the comuna's installation entry, the reviewer's decisions and the
    pseudonym key (its digest only), and the run date where it matters."""
    files = landed_digests(home, cut, slug, functools.partial(_file_digest, home))
    municipality = installation.municipality(cut)
    decisions = home.review_decisions
    descriptor, schemas = definitions_version(slug)
    return {
        "files": files,
        "descriptor": descriptor,
        "schemas": schemas,
        "code": code_version(),
        "installation": _digest(municipality.model_dump_json().encode()),
        "decisions": _file_digest(home, decisions) if decisions.is_file() else None,
        "pseudonym_key": _digest(f"abierto-pseudonym:{pseudonym_key}".encode())
        if pseudonym_key
        else None,
        "as_of": as_of.isoformat() if slug in RUN_DATE_DEPENDENT else None,
    }


def landed_digests(
    home: Home, cut: str, slug: str, digest: Callable[[Path], str | None]
) -> dict[str, str | None]:
    """The unit's files in its fingerprint: each landed file's and the dataset's
    national files' `digest`, and the entries that are not regular files."""
    files = {p.name: digest(p) for p in home.landing_files(cut, slug)}
    files |= {p.name: "not-a-regular-file" for p in home.landing_refused(cut, slug)}
    files |= {f"_national/{p.name}": digest(p) for p in home.national_files(slug)}
    return files


@functools.cache
def definitions_version(slug: str) -> tuple[str, str]:
    """Digests of the dataset's descriptor file and of its tables' schema descriptors,
    once per process as `code_version` (they are code: a change is a new deployment)."""
    schemas = [load_schema_descriptor(t) for t in load_descriptor(slug).tables]
    return (
        _digest(descriptor_path(slug).read_bytes()),
        _digest(json.dumps(schemas, sort_keys=True).encode()),
    )


@functools.cache
def code_version() -> str:
    """sha256 over the source and data files of the steps' code (`CODE`)."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for entry in CODE:
        path = root / entry
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.suffix in CODE_SUFFIXES and "samples" not in file.relative_to(root).parts:
                digest.update(file.relative_to(root).as_posix().encode() + b"\0")
                digest.update(file.read_bytes())
    return digest.hexdigest()


def _file_digest(home: Home, path: Path) -> str:
    """sha256 of a landed file, from the home's digest cache while the file is unchanged
    (`pipelines.digests`): a national file is fingerprinted for every comuna."""
    return digests.file_sha256(path, home.warehouse / digests.FILE)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def validate(
    ingested: IngestedDataset, installation: Installation, quarantine_dir: Path
) -> ValidatedDataset:
    """Validate each table against its schema; quarantine failing rows with every error."""
    dataset = load_descriptor(ingested.slug)
    references = {"comunas": comunas_table(installation)}
    valid, quarantined = {}, {}
    for table in dataset.tables:
        frames = [raw.tables[table] for _, raw in ingested.sources if table in raw.tables]
        raw = pd.concat(frames, ignore_index=True) if frames else _empty(table)
        result = validate_raw(
            raw,
            load_schema_descriptor(table),
            references=references,
            checks=source_checks((r for _, r in ingested.sources), table),
        )
        # A field the source does not map (a budget's programme name) is published empty.
        valid[table] = with_every_field(table, result.valid)
        quarantined[table] = result.quarantined
        references[table] = result.valid
    sources = [_provenance(cut, raw) for cut, raw in ingested.sources]
    excluded = {}
    for table in dataset.tables:
        frames = [
            r.excluded_tables[table] for _, r in ingested.sources if table in r.excluded_tables
        ]
        if frames:
            excluded[table] = pd.concat(frames, ignore_index=True)
    validated = ValidatedDataset(
        ingested.slug,
        valid,
        quarantined,
        sources,
        ingested.rejected,
        excluded,
        ingested.fingerprint,
    )
    write_quarantine(quarantine_dir / ingested.slug, quarantined, sources, ingested.rejected)
    release_freed()
    return validated


def prepare(
    validated: ValidatedDataset,
    installation: Installation,
    *,
    as_of: dt.date,
    pseudonym_key: str | None = None,
    home: Home | None = None,
    quarantine_dir: Path | None = None,
) -> PreparedDataset:
    """Add derived columns, run the quality rules, apply privacy rules and the publish gate.

    With `home`, the reviewer's decisions release held rows and the private review
    queue is written to `<quarantine_dir>/<slug>/` (default `quarantine/<slug>/`; see
    `quality.review`).
    """
    dataset = load_descriptor(validated.slug)
    derived = {t: derive(t, validated.valid[t], installation, as_of) for t in dataset.tables}
    context = context_tables(
        validated.slug,
        derived,
        validated.quarantined,
        validated.excluded_tables,
        deadline_exempt=[m.cut for m in installation.municipalities if m.jurisdiction != "CL"],
    )
    report = run_quality(validated.slug, derived, context=context)
    blocked: list[dict] = []
    try:
        decisions = load_decisions(home.review_decisions) if home else {}
    except DecisionError as error:
        decisions = {}
        blocked.append({"type": error.type, "es": error.message_es, "en": error.message_en})
    tables, held, dropped, released, notes = {}, {}, set(), [], []
    for table in dataset.tables:
        frame = derived[table]
        privacy = apply_privacy(frame, load_schema_descriptor(table), pseudonym_key=pseudonym_key)
        reviewed, held[table], keys = release_reviewed(
            table, privacy.held_for_review, privacy.held_public, decisions.get(table, {})
        )
        tables[table] = (
            pd.concat([privacy.public, reviewed], ignore_index=True)
            if len(reviewed)
            else privacy.public
        )
        released += [f"{table}/{key}" for key in keys]
        dropped |= privacy.dropped_values
        notes += privacy.notes
    _hold_orphans(dataset, tables, held)
    folder = (quarantine_dir or home.quarantine) / validated.slug if home else None
    if folder is not None:
        write_review_queue(folder, held, released)
    prepared = PreparedDataset(
        validated.slug,
        tables,
        held,
        validated.quarantined,
        dropped,
        validated.sources,
        [],
        report,
        notes,
    )
    prepared.blocked = blocked + publish_gate(dataset, prepared, validated.rejected)
    if folder is not None:
        _write_file_reports(folder, dataset, prepared, validated.rejected, as_of)
    release_freed()
    return prepared


def derive(
    table: str, frame: pd.DataFrame, installation: Installation, as_of: dt.date
) -> pd.DataFrame:
    """Computed columns documented in the schema (e.g. the Ley 20.285 legal deadline)."""
    if table != "access_requests" or frame.empty:
        return frame
    parts = []
    for cut, part in frame.groupby("comuna_code", sort=True):
        municipality = installation.municipality(str(cut))
        if municipality.jurisdiction != "CL":  # Ley 20.285 deadlines mean nothing there
            parts.append(part.assign(**dict.fromkeys(DEADLINE_COLUMNS)))
            continue
        computed = compute_deadlines(
            part,
            region_code=municipality.region_code,
            as_of=as_of,
            comuna_code=str(cut),
            receipt_rule=municipality.receipt_rule,
        )
        computed["legal_deadline_date"] = computed["legal_deadline_date"].dt.date.astype(object)
        # Published values must not depend on the run date: an open request has no
        # on-time flag (days_overdue, "as of" the run, stays unpublished).
        computed["is_on_time"] = computed["is_on_time"].mask(computed["response_date"].isna())
        parts.append(computed)
    derived = pd.concat(parts).loc[frame.index]
    derived["requester_key"] = requester_identity(derived)
    return derived


def _hold_orphans(
    dataset: DatasetDescriptor, tables: dict[str, pd.DataFrame], held: dict[str, pd.DataFrame]
) -> None:
    """Rows whose parent row was held for review are held with it."""
    for table in dataset.tables:
        for fk in load_schema_descriptor(table).get("foreignKeys", []):
            parent = fk["reference"]["resource"]
            if parent not in tables:
                continue
            key, parent_key = fk["fields"], fk["reference"]["fields"]
            key = key if isinstance(key, list) else [key]
            parent_key = parent_key if isinstance(parent_key, list) else [parent_key]
            found = _keys_in(tables[table], key, tables[parent], parent_key)
            orphan = pd.Series(~found, index=tables[table].index)
            if orphan.any():
                moved = tables[table][orphan].assign(
                    _errors=[[{"type": "parent-held", "fieldName": key[0]}]] * int(orphan.sum())
                )
                held[table] = pd.concat([held[table], moved], ignore_index=True)
                tables[table] = tables[table][~orphan].reset_index(drop=True)


def _keys_in(rows: pd.DataFrame, key: list[str], parents: pd.DataFrame, parent_key: list[str]):
    """Whether each row's key (one or more columns) is among the parents' keys, by
    hashing (never sorting); a missing part equals a missing part."""
    if len(key) == 1:  # one column: hashed against the parents' values, not with them
        values = rows[key[0]].astype(object)
        wanted = parents[parent_key[0]].astype(object)
        missing = values.isna().to_numpy()
        found = np.full(len(values), bool(wanted.isna().any()))
        found[~missing] = values[~missing].isin(wanted.dropna()).to_numpy()
        return found
    columns = [
        pd.concat([parents[p], rows[k]], ignore_index=True).astype(object)
        for k, p in zip(key, parent_key, strict=True)
    ]
    codes = row_codes(columns)
    return np.isin(codes[len(parents) :], codes[: len(parents)])


def reconcile(dataset: DatasetDescriptor, prepared: PreparedDataset) -> list[dict]:
    """Per source file: rows read = published + quarantined + held + excluded non-data rows."""
    table = next(
        (s.row_table for s in dataset.sources if s.row_table in prepared.tables),
        dataset.tables[0],
    )
    counts = {}
    for name, frame in (
        ("published", prepared.tables[table]),
        ("quarantined", prepared.quarantined[table]),
        ("held", prepared.held[table]),
    ):
        counts[name] = _rows_per_file(frame)
    rows = []
    for source in prepared.sources:
        key = f"{source['comuna_code']}/{source['name']}"
        row = {
            "comuna_code": source["comuna_code"],
            "file": source["name"],
            "rows_read": source["rows_read"],
            "rows_excluded": source["rows_excluded"],
            **{f"rows_{n}": int(c.get(key, 0)) for n, c in counts.items()},
        }
        accounted = sum(row[f"rows_{n}"] for n in ("excluded", "published", "quarantined", "held"))
        row["balanced"] = accounted == row["rows_read"]
        rows.append(row)
    return rows


def publish_gate(
    dataset: DatasetDescriptor, prepared: PreparedDataset, rejected: list[dict]
) -> list[dict]:
    """Reasons this dataset must not be published now (empty when it may be)."""
    reasons = [
        {
            "type": "rejected-file",
            "es": f"archivo rechazado: {e['file']} ({e['message_es']})",
            "en": f"rejected file: {e['file']} ({e['message_en']})",
        }
        for e in rejected
    ]
    for row in reconcile(dataset, prepared):
        if not row["balanced"]:
            reasons.append(
                {
                    "type": "reconciliation",
                    "es": f"las filas de {row['file']} no cuadran: {row}",
                    "en": f"rows of {row['file']} do not reconcile: {row}",
                }
            )
    reasons += [invalid_share_reason(c) for c in invalid_shares(dataset, prepared) if c["exceeded"]]
    for finding in prepared.quality.errors if prepared.quality else []:
        reasons.append(
            {
                "type": "quality",
                "es": f"regla de calidad «{finding.rule}» ({finding.title_es}): "
                f"{finding.rows_failed} de {finding.rows_checked} filas no la cumplen",
                "en": f"quality rule '{finding.rule}' ({finding.title_en}): "
                f"{finding.rows_failed} of {finding.rows_checked} rows break it",
            }
        )
    if not any(len(prepared.tables[t]) for t in dataset.tables) and not reasons:
        reasons.append({"type": "no-data", "es": "no hay datos", "en": "no data"})
    return reasons


def invalid_shares(dataset: DatasetDescriptor, prepared: PreparedDataset) -> list[dict]:
    """Per source file and table: invalid rows against the descriptor's `max_invalid_share`.

    Each file is judged on its own: a broken month is not diluted by the comuna's other
    files (a whole-table share is a weighted mean of these, so never above the worst).
    """
    checks = []
    for table in dataset.tables:
        frames = (prepared.quarantined[table], prepared.tables[table], prepared.held[table])
        bad, good, held = (_rows_per_file(f) for f in frames)
        for file in sorted(set(bad) | set(good) | set(held)):
            total = bad.get(file, 0) + good.get(file, 0) + held.get(file, 0)
            checks.append(
                invalid_share(table, bad.get(file, 0), total, dataset.max_invalid_share, file)
            )
    return checks


def _rows_per_file(frame: pd.DataFrame | pa.Table) -> dict[str, int]:
    """Rows per `_source_file` (a pandas frame, or the Arrow table the catalog assembles)."""
    if isinstance(frame, pa.Table):
        if "_source_file" not in frame.column_names:
            return {}
        counts = pc.value_counts(frame.column("_source_file")).to_pylist()
        return {str(c["values"]): c["counts"] for c in counts if c["values"] is not None}
    if "_source_file" not in frame.columns:
        return {}
    return {str(k): int(v) for k, v in frame.groupby("_source_file").size().items()}


def _write_file_reports(
    folder: Path,
    dataset: DatasetDescriptor,
    prepared: PreparedDataset,
    rejected: list[dict],
    as_of: dt.date,
) -> None:
    """The private validation report of each source file, beside the quarantine."""
    reports = dataset_file_reports(
        dataset,
        prepared.sources,
        published=prepared.tables,
        quarantined=prepared.quarantined,
        held=prepared.held,
        blocked=prepared.blocked,
        shares=invalid_shares(dataset, prepared),
        run_date=as_of.isoformat(),
    )
    cuts = sorted({s["comuna_code"] for s in [*prepared.sources, *rejected]})
    write_file_reports(
        folder,
        reports,
        dataset=dataset.slug,
        comuna_code=", ".join(cuts),
        run_date=as_of.isoformat(),
        blocked=prepared.blocked,
        rejected=rejected,
    )


def write_quarantine(
    folder: Path, quarantined: dict[str, pd.DataFrame], sources: list[dict], rejected: list[dict]
) -> None:
    """Private report of rejected rows and files (holds raw values; never published)."""
    folder.mkdir(parents=True, exist_ok=True)
    for table, frame in quarantined.items():
        records = json.loads(frame.to_json(orient="records", force_ascii=False, date_format="iso"))
        (folder / f"{table}.json").write_text(
            json.dumps(records, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    report = {"sources": sources, "rejected_files": rejected}
    (folder / "report.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


def quarantine_summary(prepared: PreparedDataset) -> list[dict]:
    """Counts of quarantined rows by error type, without any value (safe to publish)."""
    counts: dict[str, int] = {}
    for frames in (prepared.quarantined, prepared.held):
        for frame in frames.values():
            for errors in frame.get("_errors", []):
                for kind in sorted({public_error(e)["type"] for e in errors}):
                    counts[kind] = counts.get(kind, 0) + 1
    return [{"type": k, "count": v} for k, v in sorted(counts.items())]


def _provenance(cut: str, raw: RawSource) -> dict:
    return {"comuna_code": cut, **raw.provenance, "rows_excluded": len(raw.excluded)}


def _empty(table: str) -> pd.DataFrame:
    names = [f["name"] for f in load_schema_descriptor(table)["fields"]]
    return pd.DataFrame(columns=[*names, "_source_file", "_source_row"], dtype=object)

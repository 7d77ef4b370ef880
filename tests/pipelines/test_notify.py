"""Alerts delivered to a local SMTP server (aiosmtpd) and a local webhook; no personal data."""

from __future__ import annotations

import email
import email.policy
import http.server
import json
import socket
import threading

import dagster as dg
import pytest
from aiosmtpd.controller import Controller

from datasets.samples.comunas import seed_comuna, write_installation
from pipelines import notify, steps, warehouse
from pipelines.automation import failure_alert
from pipelines.definitions import build_defs
from pipelines.home import Home
from pipelines.resources import AbiertoResource
from pipelines.runner import run_all

PERSONAL = ["Óscar Herrera Zúñiga", "12.345.678-5", "oscar.herrera@villaejemplo.cl"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def webhook_server():
    received: list[dict] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()


@pytest.fixture
def alert_env(monkeypatch, smtp_server, webhook_server):
    controller, inbox = smtp_server
    url, received = webhook_server
    env = {
        "ABIERTO_SMTP_HOST": "127.0.0.1",
        "ABIERTO_SMTP_PORT": str(controller.port),
        "ABIERTO_SMTP_FROM": "abierto@villaejemplo.example",
        "ABIERTO_SMTP_TO": "transparencia@villaejemplo.example, ti@villaejemplo.example",
        "ABIERTO_WEBHOOK_URL": url,
        "ABIERTO_UI_URL": "https://dagster.villaejemplo.example/",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return inbox, received


def assert_no_personal_data(*texts: str) -> None:
    for text in texts:
        for value in PERSONAL:
            assert value not in text


def test_alert_reaches_email_and_webhook(alert_env):
    inbox, received = alert_env
    alert = notify.Alert.blocked("99901", "budgets", ["invalid-share", "rejected-file"], "x")
    assert notify.send(alert, notify.channels_from_env()) == []
    (message,) = inbox.messages
    assert message["To"] == "transparencia@villaejemplo.example, ti@villaejemplo.example"
    assert "budgets 99901" in message["Subject"]
    assert "demasiadas filas inválidas / too many invalid rows" in message.get_content()
    (payload,) = received
    assert payload["reasons"] == {"invalid-share": 1, "rejected-file": 1}
    assert payload["comuna_code"] == "99901" and payload["kind"] == "blocked"


def test_a_failing_channel_does_not_stop_the_others(webhook_server):
    url, received = webhook_server
    channels = [
        notify.EmailChannel("127.0.0.1", free_port(), "a@b.c", ["d@e.f"], timeout=2),
        notify.WebhookChannel(url),
    ]
    alert = notify.Alert.blocked("99901", "budgets", ["no-data"], None)
    assert notify.send(alert, channels) == ["EmailChannel"]
    assert len(received) == 1


def test_no_channels_without_configuration():
    assert notify.channels_from_env({}) == []
    assert notify.channels_from_env({"ABIERTO_SMTP_HOST": "x"}) == []  # nobody to write to


def test_blocked_publication_alerts_with_reason_and_link(tmp_path, alert_env):
    inbox, received = alert_env
    home = Home(tmp_path / "abierto")
    seed_comuna(home.landing, "99901", slugs=("contracts",))
    # a broken export whose content and name hold personal data
    broken = home.landing / "99901" / "contracts" / "ordenes_de_compra_2026-11.csv"
    broken.write_text(";".join(PERSONAL) + "\n", encoding="latin-1")
    installation = write_installation(tmp_path / "municipalities.yaml", ["99901"])
    resource = AbiertoResource(home_dir=str(home.root), installation_file=str(installation))
    defs = build_defs(installation)
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize(
            list(defs.assets or []),
            selection=["ingest_contracts", "validate_contracts", "publish_contracts"],
            partition_key="99901",
            resources={"abierto": resource},
            instance=instance,
        )
    assert result.success  # blocking is an outcome, not a crash
    (message,) = inbox.messages
    body = message.get_content()
    assert "publicación detenida / publication blocked" in message["Subject"]
    assert "rejected-file" in body
    assert f"https://dagster.villaejemplo.example/runs/{result.run_id}" in body
    (payload,) = received
    assert payload["reasons"] == {"rejected-file": 1}
    assert_no_personal_data(
        message["Subject"], message.get_content(), json.dumps(payload, ensure_ascii=False)
    )


def test_failed_run_alerts_without_the_error_message(tmp_path, alert_env, monkeypatch):
    inbox, received = alert_env

    def crash(*args, **kwargs):
        raise ValueError(f"unexpected value {PERSONAL[0]} {PERSONAL[1]}")

    monkeypatch.setattr(steps, "ingest", crash)
    home = Home(tmp_path / "abierto")
    installation = write_installation(tmp_path / "municipalities.yaml", ["99901"])
    resource = AbiertoResource(home_dir=str(home.root), installation_file=str(installation))
    defs = build_defs(installation)
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize(
            list(defs.assets or []),
            selection=["ingest_budgets", "validate_budgets", "publish_budgets"],
            partition_key="99901",
            resources={"abierto": resource},
            instance=instance,
            tags={"abierto/comuna": "99901", "abierto/dataset": "budgets"},
            raise_on_error=False,
        )
        assert not result.success
        run = instance.get_run_by_id(result.run_id)
        failure = next(
            e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE
        )
        context = dg.build_run_status_sensor_context(
            sensor_name="failure_alert",
            dagster_event=failure,
            dagster_instance=instance,
            dagster_run=run,
        ).for_run_failure()
        failure_alert(context)
    (message,) = inbox.messages
    (payload,) = received
    assert payload["kind"] == "failed" and payload["comuna_code"] == "99901"
    assert payload["dataset"] == "budgets"
    assert payload["link"].endswith(f"/runs/{result.run_id}")
    assert payload["reasons"] == {"ValueError": 1}
    assert_no_personal_data(
        message["Subject"], message.get_content(), json.dumps(payload, ensure_ascii=False)
    )


def test_catalog_alerts_carry_reason_types_only():
    failures = [
        {"comuna_code": "99902", "dataset": "budgets", "type": "part-unreadable"}
        | {"es": f"UnpicklingError {PERSONAL[0]}", "en": f"UnpicklingError {PERSONAL[1]}"},
        {"comuna_code": "99902", "dataset": "contracts", "type": "personal-data-found"}
        | {"es": PERSONAL[2], "en": PERSONAL[2]},
        {"comuna_code": None, "dataset": "access_requests", "type": "catalog-error"}
        | {"es": PERSONAL[0], "en": PERSONAL[0]},
    ]
    alerts = notify.catalog_alerts(failures, ["99903"], "https://ui/runs/1")
    assert [(a.comuna_code, a.dataset, a.reasons) for a in alerts] == [
        (None, "access_requests", {"catalog-error": 1}),
        ("99902", "budgets", {"part-unreadable": 1}),
        ("99902", "contracts", {"personal-data-found": 1}),
        ("99903", None, {"installation-entry-refused": 1}),
    ]
    body = alerts[1].body()
    assert "su parte guardada no se pudo leer / its stored part could not be read" in body
    assert "siguen publicados" in body and "https://ui/runs/1" in body
    assert_no_personal_data(*(a.subject + a.body() + json.dumps(a.as_json()) for a in alerts))


def test_catalog_scoped_failures_reach_the_alert_channel_and_the_comuna_page(tmp_path, alert_env):
    """A leak-scan hit and an unreadable part in one comuna: each is alerted, per comuna
    and dataset, without the value, and the comuna's page says why."""
    inbox, received = alert_env
    home = Home(tmp_path / "abierto")
    cuts = ["99901", "99902"]
    for cut in cuts:
        seed_comuna(home.landing, cut)
    installation = write_installation(tmp_path / "municipalities.yaml", cuts)

    def run(day):
        resource = AbiertoResource(
            home_dir=str(home.root), installation_file=str(installation), run_date=day
        )
        with dg.DagsterInstance.ephemeral() as instance:
            return run_all(build_defs(installation), resource, instance)

    assert run("2026-11-02").success
    assert not inbox.messages and not received
    # 99902's next run: its budgets part is damaged before the catalog, and its new
    # export holds a value the leak scan knows as a canary (a renumbered order)
    secret = "2432-999-CM26"
    for export in (home.landing / "99902" / "contracts").iterdir():
        export.write_bytes(export.read_bytes().replace(b"2432-157-CM26", secret.encode()))
    (home.root / "canaries.txt").write_text(secret + "\n", encoding="utf-8")
    # a new budget export too (an unchanged one is carried without a new part)
    for export in (home.landing / "99902" / "budgets").iterdir():
        export.write_bytes(export.read_bytes().rstrip(b"\r\n").rsplit(b"\n", 1)[0] + b"\n")
    original = warehouse.record

    def record(home_, cut, prepared, run_date, **kwargs):
        original(home_, cut, prepared, run_date, **kwargs)
        if cut == "99902" and prepared.slug == "budgets":
            part = warehouse.load_part(home_, cut, "budgets")
            part.path("tables", "budget_lines").write_bytes(b"broken")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(warehouse, "record", record)
        outcome = run("2026-11-03")
    assert not outcome.success and outcome.catalog_ok
    alerts = sorted((p["comuna_code"], p["dataset"], tuple(p["reasons"])) for p in received)
    assert alerts == [
        ("99902", "budgets", ("part-unreadable",)),
        ("99902", "contracts", ("personal-data-found",)),
    ]
    assert len(inbox.messages) == 2
    texts = [m["Subject"] + m.get_content() for m in inbox.messages]
    texts += [json.dumps(p, ensure_ascii=False) for p in received]
    for text in texts:
        assert secret not in text
    assert any("datos personales" in t and "contracts 99902" in t for t in texts)
    page = (home.site / "comunas" / "99902" / "index.html").read_text("utf-8")
    assert "Motivo: se detectaron datos personales en archivos públicos" in page
    assert "Motivo: su parte guardada no se pudo leer" in page
    assert "Motivo" not in (home.site / "comunas" / "99901" / "index.html").read_text("utf-8")
    assert secret not in page

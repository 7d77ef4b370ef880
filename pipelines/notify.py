"""Tell the transparency office when something needs attention: by email and/or webhook.

An `Alert` is built only from codes (comuna, dataset, reason types, counts) and a link;
it never carries a value from the data, an error message or a file name, so it cannot
contain personal data. Channels are configured by environment variables:

    ABIERTO_SMTP_HOST, ABIERTO_SMTP_PORT (25), ABIERTO_SMTP_FROM, ABIERTO_SMTP_TO
    (comma-separated), ABIERTO_SMTP_USER, ABIERTO_SMTP_PASSWORD, ABIERTO_SMTP_STARTTLS
    ABIERTO_WEBHOOK_URL                    receives the alert as JSON (POST)
    ABIERTO_UI_URL                         base of links to runs (default http://127.0.0.1:3000)
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import urllib.request
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Literal, Protocol

from publish.reasons import REASONS

log = logging.getLogger(__name__)

DEFAULT_UI_URL = "http://127.0.0.1:3000"

KINDS = {
    "blocked": ("publicación detenida", "publication blocked"),
    "failed": ("ejecución fallida", "run failed"),
}


@dataclass(frozen=True)
class Alert:
    """What went wrong, where, and where to look; codes and counts only."""

    kind: Literal["blocked", "failed"]
    comuna_code: str | None
    dataset: str | None
    reasons: Mapping[str, int] = field(default_factory=dict)  # reason type → count
    link: str | None = None

    @classmethod
    def blocked(
        cls, comuna_code: str, dataset: str, reason_types: Iterable[str], link: str | None
    ) -> Alert:
        return cls("blocked", comuna_code, dataset, dict(Counter(reason_types)), link)

    @property
    def subject(self) -> str:
        es, en = KINDS[self.kind]
        where = " ".join(x for x in (self.dataset, self.comuna_code) if x)
        return f"[abierto] {es} / {en}: {where}"

    def body(self) -> str:
        es, en = KINDS[self.kind]
        lines = [
            f"{es.capitalize()} / {en.capitalize()}",
            f"Comuna (CUT): {self.comuna_code or '-'}",
            f"Conjunto de datos / dataset: {self.dataset or '-'}",
            "Motivos / reasons:",
        ]
        for reason, count in sorted(self.reasons.items()):
            reason_es, reason_en = REASONS.get(reason, (reason, reason))
            lines.append(f"  - {reason_es} / {reason_en} ({reason}) × {count}")
        if self.kind == "blocked":
            lines.append(
                "Los datos publicados anteriormente de esta comuna siguen publicados. / "
                "This comuna's previously published data stays published."
            )
        if self.link:
            lines.append(f"Informe / report: {self.link}")
        return "\n".join(lines) + "\n"

    def as_json(self) -> dict:
        return {
            "kind": self.kind,
            "comuna_code": self.comuna_code,
            "dataset": self.dataset,
            "reasons": dict(sorted(self.reasons.items())),
            "link": self.link,
            "subject": self.subject,
            "text": self.body(),
        }


def catalog_alerts(
    failures: Iterable[Mapping[str, object]], refused: Iterable[str], link: str | None
) -> list[Alert]:
    """The alerts of a catalog step: one per comuna × dataset it carried (its `failures`:
    a leak-scan hit, an unreadable part, an exception; `comuna_code` None for a whole
    dataset) and one per comuna whose installation entry was refused (`refused` CUTs).

    Only each failure's reason type is used, never its message (an exception's text may
    quote a value from the data)."""
    grouped: dict[tuple[str | None, str | None], Counter] = {}
    for failure in failures:
        key = (failure.get("comuna_code"), failure.get("dataset"))
        grouped.setdefault(key, Counter())[str(failure["type"])] += 1
    for cut in refused:
        grouped.setdefault((cut, None), Counter())["installation-entry-refused"] += 1
    order = sorted(grouped, key=lambda key: (key[0] or "", key[1] or ""))
    return [Alert("blocked", cut, slug, dict(grouped[(cut, slug)]), link) for cut, slug in order]


class Channel(Protocol):
    def send(self, alert: Alert) -> None: ...


@dataclass(frozen=True)
class EmailChannel:
    host: str
    port: int
    sender: str
    recipients: list[str]
    username: str = ""
    password: str = ""
    starttls: bool = False
    timeout: float = 10.0

    def send(self, alert: Alert) -> None:
        message = EmailMessage()
        message["Subject"] = alert.subject
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        message.set_content(alert.body())
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(message)


@dataclass(frozen=True)
class WebhookChannel:
    url: str
    timeout: float = 10.0

    def send(self, alert: Alert) -> None:
        request = urllib.request.Request(
            self.url,
            data=json.dumps(alert.as_json(), ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            response.read()


def channels_from_env(env: Mapping[str, str] | None = None) -> list[Channel]:
    """The channels configured in the environment (none: alerts only go to the log)."""
    env = os.environ if env is None else env
    channels: list[Channel] = []
    if env.get("ABIERTO_SMTP_HOST") and env.get("ABIERTO_SMTP_TO"):
        channels.append(
            EmailChannel(
                host=env["ABIERTO_SMTP_HOST"],
                port=int(env.get("ABIERTO_SMTP_PORT", "25")),
                sender=env.get("ABIERTO_SMTP_FROM", "abierto@localhost"),
                recipients=[a.strip() for a in env["ABIERTO_SMTP_TO"].split(",") if a.strip()],
                username=env.get("ABIERTO_SMTP_USER", ""),
                password=env.get("ABIERTO_SMTP_PASSWORD", ""),
                starttls=env.get("ABIERTO_SMTP_STARTTLS", "").lower() in {"1", "true", "yes"},
            )
        )
    if env.get("ABIERTO_WEBHOOK_URL"):
        channels.append(WebhookChannel(env["ABIERTO_WEBHOOK_URL"]))
    return channels


def run_link(run_id: str, env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return f"{env.get('ABIERTO_UI_URL', DEFAULT_UI_URL).rstrip('/')}/runs/{run_id}"


def send(alert: Alert, channels: Iterable[Channel]) -> list[str]:
    """Deliver to every channel; a channel that fails is logged and does not stop the others.

    Returns the names of the channels that failed.
    """
    failed = []
    log.warning("%s", alert.subject)
    for channel in channels:
        try:
            channel.send(alert)
        except (OSError, smtplib.SMTPException) as error:
            log.error("alert not delivered via %s: %s", type(channel).__name__, error)
            failed.append(type(channel).__name__)
    return failed

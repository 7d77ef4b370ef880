"""The citizen's side of each comuna and dataset page: where to ask for what is not here,
and how to report a problem with what is.

- :func:`request_portal`: the comuna's access-to-information request portal (its
  ``transparency_request_url`` in the installation file), or the Consejo para la
  Transparencia's Portal de Transparencia when the comuna gave none — the page says
  which it is.
- :func:`report_mailto`: a ``mailto:`` link (RFC 6068) to the publisher with a subject
  and a body that name the dataset, the comuna, the release and the page, every part
  percent-encoded as UTF-8, so no name (``&``, ``?``, ``#``, ``%``, line breaks, markup)
  can add a header, a recipient or cut the message. The e-mail is written Spanish first
  with English beside: the office that reads it works in Spanish.

Context (``catalog.contacts?``): ``{cut: {request_url?, publisher: {name, email?}}}``,
one entry per comuna of the installation; a comuna without an entry falls back to the
national portal and the catalog's publisher.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from publish.site.links import absolute

# The Consejo para la Transparencia's portal, where any request to a municipality can be
# filed (Ley 20.285): the fallback when a comuna gave no portal of its own.
NATIONAL_PORTAL = "https://www.portaltransparencia.cl"


def _contact(catalog: Mapping[str, Any], code: str | None) -> Mapping[str, Any]:
    return (catalog.get("contacts") or {}).get(str(code), {}) if code else {}


def request_portal(catalog: Mapping[str, Any], code: str | None) -> dict[str, Any]:
    """``{url, is_own}``: the comuna's request portal, or the national one (``is_own``
    False) when the installation gives none for it."""
    url = _contact(catalog, code).get("request_url")
    return {"url": url, "is_own": True} if url else {"url": NATIONAL_PORTAL, "is_own": False}


def publisher_email(catalog: Mapping[str, Any], code: str | None) -> str | None:
    """The e-mail that answers for a comuna's data: its publisher's, else the catalog's."""
    publisher = _contact(catalog, code).get("publisher") or {}
    return publisher.get("email") or catalog["publisher"].get("email")


def report_mailto(
    email: str,
    *,
    release_id: str | None,
    dataset: Mapping[str, Any] | None = None,
    comuna: Mapping[str, Any] | None = None,
    page_url: str | None = None,
) -> str:
    """A ``mailto:`` URL with the subject and body of a problem report, all encoded.

    ``dataset`` is ``{slug, title {es, en}}`` (None on a comuna page: all its data),
    ``comuna`` ``{code, name}`` (None on a dataset page of several comunas: the writer
    says which). ``release_id`` is None on a comuna page, which names no release (the
    same page serves every release until the comuna's data change): the page's address
    and the dates it shows say what the reader saw.
    """
    what = f"{dataset['title']['es']} ({dataset['slug']})" if dataset else None
    where = f"{comuna['name']} (CUT {comuna['code']})" if comuna else None
    subject = "Problema con los datos / Problem with the data: " + " – ".join(
        part for part in (what or "datos de la comuna / the comuna's data", where) if part
    )
    lines = [
        "Conjunto de datos / Dataset: " + (what or "todos los de la comuna / all of the comuna's"),
        "Comuna: " + (where or "(indique cuál / please say which)"),
    ]
    if release_id:
        lines.append(f"Versión / Release: {release_id}")
    if page_url:
        lines.append(f"Página / Page: {page_url}")
    lines += [
        "",
        "Describa el problema (qué archivo, fila y columna; qué esperaba encontrar):",
        "Describe the problem (which file, row and column; what you expected to find):",
        "",
    ]
    body = "\r\n".join(lines)
    return (
        f"mailto:{quote(email, safe='@')}"
        f"?subject={quote(subject, safe='')}&body={quote(body, safe='')}"
    )


def page_address(site_url: str | None, output: str) -> str | None:
    """The public address of a page (its output path), when the site's address is known."""
    if not site_url:
        return None
    return absolute(site_url, output.removesuffix("index.html"))

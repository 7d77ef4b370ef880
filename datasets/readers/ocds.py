"""OCDS: any packaging of releases and records, merged per process, one record per item.

Accepted: a release, a record, a release package, a record package, several
packages one per line or concatenated, or a JSON array of any of these. Linked
releases (only `url`, `date`, `tag`) carry no data and are counted, not read; a
record's `compiledRelease` is used when present, else its embedded releases are
merged. All releases of one `ocid` are merged with `ocdsmerge` (later releases
update earlier ones; objects in arrays are merged by `id`); a release without an
`ocid` is refused, as its process cannot be told. A compiled release (or a lone
release) that repeats an `id` in one array (Colombia's SECOP releases list one
contract three times) is merged the same way, as `ocdskit compile` does (the later
object's fields win), and each repeated id is reported (`merged_duplicate_ids`). A
`tag` given as a string and a missing publisher or version are accepted. Each contract
(or award without a contract) of a merged process gives one record per item, with
dotted column names (`contract.id`, `supplier.id`, `item.quantity`…) that descriptors
map. A supplier's identifier scheme (`supplier.identifier.scheme`, e.g. `CL-RUT`) is
its `identifier.scheme`, or the org-id prefix of its party id (`CL-RUT-76123456-K`);
an item's currency is its unit price's, else its contract's.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter

import ocdsmerge
import ocdsmerge.exceptions

from datasets.errors import SourceError

_LINK_KEYS = {"url", "date", "tag"}
COLUMNS = [
    "ocid", "date", "buyer.id", "buyer.name", "buyer.contactPoint.name",
    "buyer.contactPoint.email", "buyer.contactPoint.telephone", "tender.id", "tender.title",
    "tender.procurementMethod", "tender.procurementMethodDetails", "contract.source",
    "contract.id", "contract.title", "contract.description", "contract.status",
    "contract.dateSigned", "contract.value.amount", "contract.value.currency", "award.id",
    "award.date", "supplier.id", "supplier.name", "item.id", "item.description",
    "item.classification.id", "item.quantity", "item.unit.name", "item.unit.value.amount",
    "supplier.identifier.scheme", "supplier.identifier.id", "item.unit.value.currency",
]  # fmt: skip
#: Arrays of a compiled release whose objects are merged by `id` (OCDS identifier merge).
_BY_ID = ("awards", "contracts")
_ORG_ID = re.compile(r"([A-Z]{2}-[A-Z0-9]+)-(.+)")


def releases_in(documents: list[object], file: str) -> tuple[list[dict], dict[str, int]]:
    """Embedded releases (compiled releases included) and counts of what was found."""
    found: list[dict] = []
    counts = {"packages": 0, "records": 0, "releases": 0, "linked_releases": 0}
    pending = list(documents)
    while pending:
        document = pending.pop(0)
        if isinstance(document, list):
            pending[:0] = document
            continue
        if not isinstance(document, dict):
            raise _not_ocds(file, f"{type(document).__name__}")
        if isinstance(document.get("records"), list):
            counts["packages"] += 1
            pending[:0] = document["records"]
        elif isinstance(document.get("releases"), list) and "ocid" not in document:
            counts["packages"] += 1
            pending[:0] = _embedded(document["releases"], counts)
        elif "compiledRelease" in document or isinstance(document.get("releases"), list):
            counts["records"] += 1
            if isinstance(document.get("compiledRelease"), dict):
                found.append(document["compiledRelease"])
                counts["linked_releases"] += len(document.get("releases") or [])
            else:
                pending[:0] = _embedded(document["releases"], counts)
        elif "ocid" in document:
            counts["releases"] += 1
            found.append(document)
        else:
            raise _not_ocds(file, ", ".join(sorted(document)[:8]))
    return found, counts


def _embedded(releases: list, counts: dict[str, int]) -> list:
    linked = [r for r in releases if isinstance(r, dict) and set(r) <= _LINK_KEYS]
    counts["linked_releases"] += len(linked)
    return [r for r in releases if not (isinstance(r, dict) and set(r) <= _LINK_KEYS)]


def _not_ocds(file: str, what: str) -> SourceError:
    return SourceError(
        f"no es OCDS (ni entrega, registro ni paquete): {what}",
        f"not OCDS (neither release, record nor package): {what}",
        file=file,
    )


def compile_processes(
    releases: list[dict], file: str, merged: list[dict] | None = None
) -> list[dict]:
    """One compiled release per ocid, in ocid order. Each id an array repeats is merged
    and appended to `merged` (`{ocid, array, id, count, es, en}`)."""
    merger = ocdsmerge.Merger(merge_rules={})
    by_ocid: dict[str, list[dict]] = {}
    for release in releases:
        ocid = release.get("ocid")
        if not isinstance(ocid, str) or not ocid.strip():
            raise SourceError(
                f"una entrega no tiene «ocid» (vale {ocid!r}): no se puede saber a qué "
                f"proceso pertenece (id de la entrega: {release.get('id')!r})",
                f"a release has no `ocid` (it is {ocid!r}): its process cannot be told "
                f"(release id: {release.get('id')!r})",
                file=file,
            )
        by_ocid.setdefault(ocid, []).append(release)
    compiled = []
    for ocid in sorted(by_ocid):
        group = by_ocid[ocid]
        repeated = [r for release in group for r in repeated_ids(release)]
        if len(group) == 1 and not repeated:
            compiled.append(group[0])
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ocdsmerge.exceptions.DuplicateIdValueWarning)
                compiled.append(merger.create_compiled_release(group))
        except (ocdsmerge.exceptions.OCDSMergeError, TypeError) as exc:
            raise SourceError(
                f"no se pudieron combinar las entregas de {ocid}: {exc}",
                f"could not merge the releases of {ocid}: {exc}",
                file=file,
            ) from None
        if merged is not None:
            merged += [_merged_note(ocid, array, id_, n) for array, id_, n in repeated]
    return compiled


def repeated_ids(release: dict) -> list[tuple[str, str, int]]:
    """(array, id, count) of each id that an identifier-merged array repeats."""
    found = []
    for array in _BY_ID:
        ids = Counter(
            str(o["id"])
            for o in _list(release.get(array))
            if isinstance(o, dict) and o.get("id") is not None
        )
        found += [(array, id_, n) for id_, n in sorted(ids.items()) if n > 1]
    return found


def _merged_note(ocid: str, array: str, id_: str, count: int) -> dict:
    return {
        "ocid": ocid,
        "array": array,
        "id": id_,
        "count": count,
        "es": f"{ocid}: el id «{id_}» aparece {count} veces en «{array}»; se combinaron como "
        "lo hace ocdskit compile (los campos del último prevalecen)",
        "en": f"{ocid}: the id '{id_}' appears {count} times in '{array}'; they were merged "
        "as ocdskit compile does (the last one's fields win)",
    }


def item_rows(compiled: dict) -> list[dict[str, object]]:
    """One row per item of each contract (or of each award no contract refers to)."""
    parties = [p for p in _list(compiled.get("parties")) if isinstance(p, dict)]
    by_id = {p.get("id"): p for p in parties}
    buyer_ref = compiled.get("buyer") if isinstance(compiled.get("buyer"), dict) else {}
    buyer = by_id.get(buyer_ref.get("id")) or next(
        (p for p in parties if "buyer" in _list(p.get("roles"))), buyer_ref
    )
    contact = _dict(buyer.get("contactPoint")) or _dict(buyer_ref.get("contactPoint"))
    tender = _dict(compiled.get("tender"))
    awards = [a for a in _list(compiled.get("awards")) if isinstance(a, dict)]
    contracts = [c for c in _list(compiled.get("contracts")) if isinstance(c, dict)]
    # ids compared as text: Colombia's awards have `"id": 4817054` and contracts
    # `"awardID": "4817054"`
    referenced = {_id(c.get("awardID")) for c in contracts}
    deals = [("contract", c) for c in contracts] + [
        ("award", a) for a in awards if _id(a.get("id")) not in referenced
    ]
    base = {
        "ocid": compiled.get("ocid"),
        "date": compiled.get("date"),
        "buyer.id": _dict(buyer.get("identifier")).get("id") or buyer.get("id"),
        "buyer.name": buyer.get("name") or buyer_ref.get("name"),
        "buyer.contactPoint.name": contact.get("name"),
        "buyer.contactPoint.email": contact.get("email"),
        "buyer.contactPoint.telephone": contact.get("telephone"),
        "tender.id": tender.get("id"),
        "tender.title": tender.get("title"),
        "tender.procurementMethod": tender.get("procurementMethod"),
        "tender.procurementMethodDetails": tender.get("procurementMethodDetails"),
    }
    rows = []
    for kind, deal in deals:
        award = (
            deal
            if kind == "award"
            else next((a for a in awards if _id(a.get("id")) == _id(deal.get("awardID"))), {})
        )
        supplier_ref = next(iter(_list(award.get("suppliers"))), {})
        supplier = by_id.get(_dict(supplier_ref).get("id")) or _dict(supplier_ref)
        scheme, identifier = _identifier(supplier)
        value = _dict(deal.get("value"))
        row = base | {
            "contract.source": kind,
            "contract.id": deal.get("id"),
            "contract.title": deal.get("title"),
            "contract.description": deal.get("description"),
            "contract.status": deal.get("status"),
            "contract.dateSigned": deal.get("dateSigned") or deal.get("date"),
            "contract.value.amount": value.get("amount"),
            "contract.value.currency": value.get("currency"),
            "award.id": award.get("id"),
            "award.date": award.get("date"),
            "supplier.id": _dict(supplier.get("identifier")).get("id") or supplier.get("id"),
            "supplier.name": supplier.get("name"),
            "supplier.identifier.scheme": scheme,
            "supplier.identifier.id": identifier,
        }
        items = [
            i for i in _list(deal.get("items")) or _list(award.get("items")) if isinstance(i, dict)
        ]
        for item in items or [{}]:
            unit = _dict(item.get("unit"))
            rows.append(
                row
                | {
                    "item.id": item.get("id"),
                    "item.description": item.get("description"),
                    "item.classification.id": _dict(item.get("classification")).get("id"),
                    "item.quantity": item.get("quantity"),
                    "item.unit.name": unit.get("name"),
                    "item.unit.value.amount": _dict(unit.get("value")).get("amount"),
                    "item.unit.value.currency": _dict(unit.get("value")).get("currency")
                    or value.get("currency"),
                }
            )
    return rows


def _identifier(party: dict) -> tuple[object, object]:
    """A party's (scheme, id): its `identifier`, else the org-id form of its id."""
    identifier = _dict(party.get("identifier"))
    if identifier.get("scheme") or identifier.get("id"):
        return identifier.get("scheme"), identifier.get("id")
    found = _ORG_ID.fullmatch(str(party.get("id") or ""))
    return (found.group(1), found.group(2)) if found else (None, party.get("id"))


def _id(value: object) -> str | None:
    return None if value is None else str(value)


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list:
    return value if isinstance(value, list) else []

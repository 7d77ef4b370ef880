"""Parse a DCAT file as a CKAN harvester does; print the package dicts as JSON.

Run with tests/venvs/ckan/.venv's Python: `parse.py FILE FORMAT DEFAULT_LANG` (FORMAT as
rdflib names it: turtle, json-ld). Uses ckanext-dcat's RDFParser with the
`euro_dcat_ap_3` profile and CKAN's default licence register.
"""

import json
import sys

from ckantoolkit import config

path, rdf_format, default_lang = sys.argv[1:4]
config["ckan.locale_default"] = default_lang

from ckanext.dcat.processors import RDFParser  # noqa: E402  (reads the config)

parser = RDFParser(profiles=["euro_dcat_ap_3"])
with open(path, encoding="utf-8") as handle:
    parser.parse(handle.read(), _format=rdf_format)
packages = [
    {
        "title": d.get("title"),
        "license_id": d.get("license_id"),
        "tags": sorted(t["name"] for t in d.get("tags", [])),
        "resources": [
            {k: r.get(k) for k in ("name", "description", "url", "license", "format", "mimetype")}
            for r in d.get("resources", [])
        ],
    }
    for d in parser.datasets()
]
json.dump(packages, sys.stdout, ensure_ascii=False, indent=1)

"""The installation file: every value checked at load, a bad entry refused alone."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from datasets.errors import DescriptorError
from datasets.municipalities import INSTALLATION_FILE, MISSING_SITE_URL, load_installation
from pipelines.cli import app


def entry(code: str, **changes) -> dict:
    publisher = {
        "name": f"Municipalidad {code}",
        "url": "https://muni.example",
        "email": "transparencia@muni.example",
    }
    publisher.update(changes.pop("publisher", {}))
    return {
        "cut": code,
        "name": f"Comuna {code}",
        "region_code": "13",
        "fictional": True,
        "publisher": publisher,
        **changes,
    }


def write(tmp_path: Path, municipalities: list, **catalog) -> Path:
    data = yaml.safe_load(INSTALLATION_FILE.read_text("utf-8"))
    data["catalog"].update(catalog)
    data["municipalities"] = municipalities
    path = tmp_path / "municipalities.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return path


@pytest.mark.parametrize(
    ("bad", "field", "reason"),
    [
        ({"publisher": {"email": "transp arencia@muni.example"}}, "publisher.email", "e-mail"),
        ({"publisher": {"email": "sin-arroba"}}, "publisher.email", "e-mail"),
        ({"publisher": {"url": "javascript:alert(1)"}}, "publisher.url", "http(s) URL"),
        ({"publisher": {"url": "https://muni .example"}}, "publisher.url", "http(s) URL"),
        ({"name": "Villa\nEjemplo"}, "name", "control characters"),
        ({"name": "   "}, "name", "is empty"),
        ({"cut": "1310"}, "cut", "pattern"),
        ({"cut": "13101", "fictional": False, "name": "Santiago"}, None, None),  # official: ok
        ({"cut": "13999", "fictional": False}, "cut", "official list"),
        ({"region_code": "RM"}, "region_code", "pattern"),
        ({"colour": "red"}, "colour", "Extra inputs"),
    ],
)
def test_a_bad_entry_is_refused_alone_naming_the_entry_and_field(tmp_path, bad, field, reason):
    path = write(tmp_path, [entry("99901"), entry("99902", **bad), entry("99903")])
    installation = load_installation(path)
    if field is None:
        assert len(installation.municipalities) == 3 and installation.refused == []
        return
    assert [m.cut for m in installation.municipalities] == ["99901", "99903"]
    (refused,) = installation.refused
    assert (refused.index, refused.field) == (1, field)
    assert refused.cut == bad.get("cut", "99902")
    assert reason in refused.en and refused.reason_es != refused.reason_en
    assert refused.en.startswith(f"entry municipalities[1] (CUT {refused.cut}) refused")
    assert refused.es.startswith(f"entrada municipalities[1] (CUT {refused.cut}) rechazada")
    assert {"es": refused.es, "en": refused.en} in installation.problems


def test_a_repeated_cut_refuses_the_second_entry(tmp_path):
    installation = load_installation(write(tmp_path, [entry("99901"), entry("99901")]))
    assert len(installation.municipalities) == 1
    assert "already appears" in installation.refused[0].en
    assert installation.carried_cuts == {}  # the comuna itself still publishes


def test_refused_comunas_are_named_for_the_run_to_carry(tmp_path):
    bad_email = entry("99902", publisher={"email": "x y@muni.example"})
    bad_cut = entry("9990")
    installation = load_installation(write(tmp_path, [entry("99901"), bad_email, bad_cut]))
    assert list(installation.carried_cuts) == ["99902"]
    assert installation.carried_cuts["99902"].field == "publisher.email"


def test_a_bad_catalog_section_or_no_valid_entry_refuses_the_file(tmp_path):
    with pytest.raises(DescriptorError, match="site_url") as info:
        load_installation(write(tmp_path, [entry("99901")], site_url="ftp://datos.example"))
    assert str(tmp_path) in info.value.message
    bad = entry("99901", publisher={"email": "a b@c.cl"})
    with pytest.raises(DescriptorError, match=r"no valid municipality: entry municipalities\[0\]"):
        load_installation(write(tmp_path, [bad]))
    (tmp_path / "municipalities.yaml").write_text("municipalities: {}\n", "utf-8")
    with pytest.raises(DescriptorError, match="expected a mapping"):
        load_installation(tmp_path / "municipalities.yaml")


def test_the_refused_list_cannot_be_written_in_the_file(tmp_path):
    path = write(tmp_path, [entry("99901")])
    path.write_text(
        path.read_text("utf-8") + "refused: [{index: 0, cut: x, field: y, reason_es: z, "
        "reason_en: z}]\n",
        "utf-8",
    )
    assert load_installation(path).refused == []


def test_the_bundled_installation_is_clean():
    installation = load_installation()
    assert installation.refused == [] and installation.problems == []


def test_check_fails_without_site_url_and_says_why(tmp_path, monkeypatch, demo_home):
    data = yaml.safe_load(INSTALLATION_FILE.read_text("utf-8"))
    del data["catalog"]["site_url"]
    path = tmp_path / "municipalities.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    monkeypatch.setattr("pipelines.cli.load_installation", lambda: load_installation(path))
    result = CliRunner().invoke(
        app, ["check", "--dataset", "access_requests", "--home", str(demo_home.root)]
    )
    assert result.exit_code == 2, result.output
    assert MISSING_SITE_URL["en"] in " ".join(result.output.split())


def test_the_file_is_read_once_for_the_same_bytes_and_again_when_they_change(tmp_path):
    path = tmp_path / "municipalities.yaml"
    text = INSTALLATION_FILE.read_text("utf-8")
    path.write_text(text, "utf-8")
    first = load_installation(path)
    assert load_installation(path) is first  # every step of every unit asks for it
    with pytest.raises(ValueError):  # shared, so frozen
        first.municipalities[0].name = "Otra"
    name = first.municipalities[0].name
    renamed = name[:-1] + ("X" if name[-1] != "X" else "Y")  # same size, same second
    path.write_text(text.replace(f"name: {name}", f"name: {renamed}", 1), "utf-8")
    assert load_installation(path).municipalities[0].name == renamed

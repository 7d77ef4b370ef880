"""The lock files cover what they lock: a dependency added without `make lock` fails here."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
# `name==version \` then its `--hash=sha256:…` lines (pip-compile --generate-hashes)
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+) \\\n +--hash=sha256:", re.MULTILINE)
ANY_PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*==", re.MULTILINE)


def pins(lock: Path) -> dict[str, Version]:
    """Name → pinned version of every requirement in a pip-compile lock with hashes."""
    text = lock.read_text("utf-8")
    found = {canonicalize_name(name): Version(version) for name, version in PIN.findall(text)}
    assert found and len(found) == len(ANY_PIN.findall(text)), f"{lock}: a pin without hashes"
    return found


def project_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    build = project["build-system"]["requires"]
    runtime = project["project"]["dependencies"]
    test = project["project"]["optional-dependencies"]["test"]
    return [Requirement(r) for r in [*build, *runtime, *test]]


def test_the_lock_pins_every_dependency_of_pyproject_within_its_bounds():
    locked = pins(ROOT / "requirements.lock")
    for requirement in project_requirements():
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is in pyproject.toml but not in requirements.lock"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"{name}=={locked[name]} in requirements.lock does not satisfy {requirement}"
        )


@pytest.mark.parametrize(
    "venv", sorted(p.name for p in (ROOT / "tests/venvs").iterdir() if p.is_dir())
)
def test_each_test_venv_lock_pins_its_requirements(venv):
    folder = ROOT / "tests/venvs" / venv
    locked = pins(folder / "requirements.lock")
    for line in (folder / "requirements.in").read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            requirement = Requirement(line)
            assert requirement.specifier.contains(locked[canonicalize_name(requirement.name)])


def test_make_installs_from_the_lock_and_documents_the_upgrade():
    makefile = (ROOT / "Makefile").read_text("utf-8")
    assert "pip install --quiet --require-hashes -r $(LOCK)" in makefile
    assert "pip install --quiet --no-deps --no-build-isolation -e ." in makefile
    assert "\nlock:" in makefile
    assert "make lock" in (ROOT / "README.md").read_text("utf-8")

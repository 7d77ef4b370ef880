# abierto — the two set-up commands (see README.md) and a few helpers.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Every dependency pinned with its hashes (pip-tools, itself locked); `make lock` refreshes it.
LOCK := requirements.lock
PIP_COMPILE := $(abspath $(BIN))/pip-compile --quiet --upgrade --generate-hashes --allow-unsafe \
	--strip-extras --no-emit-index-url --no-emit-find-links

.PHONY: demo test install lock lint format clean

# The venv holds exactly the lock (pip refuses any file whose hash differs), then abierto
# itself, without resolving anything again. pip comes first, from the lock too: the pip
# of a new venv may be older than 23.3, which rejects extras in hash-checking mode.
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	awk '/^pip==/ {p = 1; print; next} p && /^ / {print; next} {p = 0}' $(LOCK) > $(VENV)/pip.lock
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(VENV)/pip.lock
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

## Install everything and publish the demo catalog from the bundled sample exports.
demo: install
	$(BIN)/abierto run --demo

## Install everything and run the full test suite.
test: install
	bash tests/browser/setup.sh
	bash tests/postgres/setup.sh
	bash tests/venvs/setup.sh ckan
	bash tests/venvs/setup.sh duckdb-1.4
	$(BIN)/python -m pytest

## Upgrade: re-resolve every dependency to the newest version pyproject.toml allows, and
## the test-only venvs' (tests/venvs/*/requirements.in); review the diff, then `make test`.
lock: install
	$(PIP_COMPILE) --extra test --build-deps-for editable --output-file $(LOCK) pyproject.toml
	for dir in tests/venvs/*/; do \
		(cd $$dir && $(PIP_COMPILE) --output-file requirements.lock requirements.in) || exit 1; \
	done

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf data $(VENV) tests/venvs/*/.venv

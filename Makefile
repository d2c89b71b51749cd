# BIFROST Lab: `make run` starts the app, `make test` runs the whole suite. Both set up what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: run test test-fast lint chromium pdf nginx pgbouncer postgres locale catalogs axe benchmarks phone-benchmark frontend clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

run: $(STAMP) locale pdf
	$(BIN)/bifrost-lab serve

locale: $(STAMP)
	@$(BIN)/python -c "from bifrost_lab import i18n; [i18n.translations(l) for l in i18n.LANGUAGES]"

# Translators: extract new UI strings into the template and merge them into every catalog.
catalogs: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 -k N_ --no-location --sort-output -o bifrost_lab/locale/bifrost.pot .
	$(BIN)/pybabel update -i bifrost_lab/locale/bifrost.pot -d bifrost_lab/locale -D bifrost --no-fuzzy-matching

# Debian's Chromium drives the end-to-end tests (Playwright's own browser download is not used).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests…"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; }

# The knowledge package's PDF (WeasyPrint) and chart PNGs (CairoSVG) are pip packages that load Debian's Pango,
# HarfBuzz and Cairo; the fonts are the ones the summary's stylesheet names first.
PDF_LIBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libcairo2 fonts-dejavu-core
pdf:
	@{ ldconfig -p | grep -q 'libpangoft2-1.0.so.0' && ldconfig -p | grep -q 'libharfbuzz-subset.so.0' && \
	   ldconfig -p | grep -q 'libcairo.so.2'; } || { \
	  echo "Installing Debian's Pango, HarfBuzz and Cairo for the PDF and PNG exports…"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PDF_LIBS) >/dev/null; }

# axe-core (npm registry) checks accessibility in the browser tests.
AXE := $(VENV)/axe/node_modules/axe-core/axe.min.js
axe: $(AXE)
$(AXE): | $(STAMP)
	npm install --prefix $(VENV)/axe --no-audit --no-fund --silent axe-core@4

# Debian's nginx fronts the participant servers in the scale-out test (tests/e2e/test_scaleout.py, docs/deploy.md).
# Only the binary is used: the test starts its own nginx on a free loopback port.
nginx:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { \
	  echo "Installing Debian's nginx for the scale-out test…"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; }

# pgbouncer (transaction mode) in front of PostgreSQL: tests/test_store_pgbouncer.py starts its own on a free port.
pgbouncer:
	@command -v pgbouncer >/dev/null 2>&1 || test -x /usr/sbin/pgbouncer || { \
	  echo "Installing Debian's pgbouncer for the connection-pooling test…"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null; }

# The store tests also run against PostgreSQL at 127.0.0.1:5432 (trust auth, database `test`).
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || { \
	  command -v pg_ctlcluster >/dev/null 2>&1 && ls /etc/postgresql >/dev/null 2>&1 && \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -1) main start && sleep 2; } || true

# The linters run with the tests, so CI fails on them too (configured in pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: $(STAMP) lint chromium pdf nginx pgbouncer postgres locale axe
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: $(STAMP) locale pdf
	$(BIN)/python -m pytest -m "not e2e" $(PYTEST_ARGS)

benchmarks: $(STAMP) chromium pdf
	$(BIN)/python benchmarks/export_bench.py

# Phones joining over a crowded venue network: Chromium under phone/crowded throttling, ours vs stock Voila
# (docs/benchmarks.md). PHONE_BENCH_ARGS="--runs 2 --profiles phone" for a quick look.
PHONE_BENCH_ARGS ?=
phone-benchmark: $(STAMP) chromium
	$(BIN)/python benchmarks/phone_join.py $(PHONE_BENCH_ARGS)

# The pages' light front end (bifrost_lab/server/frontend -> the bifrost template's static folder).
# Its build is committed; rebuild after editing its sources (npm registry: esbuild and ipywidgets' packages).
frontend:
	npm ci --prefix bifrost_lab/server/frontend --no-audit --no-fund --silent
	node bifrost_lab/server/frontend/build.mjs

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info

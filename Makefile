# Carnet: `make run` to try it, `make test` to check it. Needs only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
SAMPLE := fixtures/jekyll-site

.PHONY: install messages run test lint format bench audit clean

install: $(VENV)/.installed messages

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Carnet needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

# Compiles locale/*/LC_MESSAGES/*.po with polib, so GNU gettext is not needed to build.
messages: $(VENV)/.installed
	@$(PY) -c 'import pathlib, polib; [polib.pofile(str(p)).save_as_mofile(str(p.with_suffix(".mo"))) for p in pathlib.Path("locale").glob("*/LC_MESSAGES/*.po")]'

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py import_posts $(SAMPLE)
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Figures, not assertions: ratios measured in one run (see bench/). Needs wrk for the page runs.
bench: install
	@command -v wrk >/dev/null || { echo "Installing wrk (Debian package)"; apt-get install -y -qq wrk >/dev/null; }
	$(PY) bench/pages.py
	$(PY) bench/scale.py
	$(PY) bench/import_speed.py

# Issue 9's goals: Lighthouse (npm ci --prefix bench) and EcoIndex on five pages; fails on a miss.
audit: install
	@test -x bench/node_modules/.bin/lighthouse || npm ci --prefix bench --no-audit --no-fund
	$(PY) bench/audit.py

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles

# Carnet: `make run` to try it, `make test` to check it. Needs only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
SAMPLE := fixtures/jekyll-site

.PHONY: install messages run test lint format bench audit clean serve-prod backup restore

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
	$(PY) manage.py import_posts $(SAMPLE) --tag-dir tags --category-dir lubies
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
	$(PY) bench/contact_load.py
	@if pg_isready -q -h 127.0.0.1 2>/dev/null; then \
	  $(PY) bench/contact_load.py --database-url postgres://postgres@127.0.0.1:5432/carnet_bench; \
	  $(PY) bench/shared_servers.py; \
	else echo "PostgreSQL is not running: PostgreSQL benchmarks skipped"; fi

# The production configuration on this machine (docs/DEPLOY.md): DEBUG off, static files
# collected and served by WhiteNoise, gunicorn with 2 workers on http://127.0.0.1:8001.
# Plain HTTP (SECURE_HTTPS=off): in production HTTPS is nginx's job, in front of gunicorn.
# SECRET_KEY comes from the environment or .env, else a new one each run (sessions then end).
serve-prod: PORT := $(if $(filter file,$(origin PORT)),8001,$(PORT))
serve-prod: install
	@echo "Production settings, plain HTTP on http://$(HOST):$(PORT)/ (SECURE_HTTPS=off)"
	@set -e; \
	export DEBUG=off SECURE_HTTPS=off SERVE_MEDIA=on ALLOWED_HOSTS="127.0.0.1,localhost,$(HOST)" \
	  SITE_URL="http://$(HOST):$(PORT)" \
	  SECRET_KEY="$$($(PY) -c 'import os, secrets, environ; environ.Env.read_env(".env"); \
	    print(os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50))')"; \
	$(PY) manage.py collectstatic --noinput -v0; \
	$(PY) manage.py migrate --noinput -v0; \
	if $(PY) manage.py shell -v0 -c 'from blog.models import Post; raise SystemExit(Post.objects.exists())'; \
	then $(PY) manage.py import_posts $(SAMPLE) --tag-dir tags --category-dir lubies; fi; \
	exec $(BIN)/gunicorn site_config.wsgi --workers 2 --bind $(HOST):$(PORT) --access-logfile -

# A timestamped archive of the database and the media folder in backups/ (docs/DEPLOY.md).
backup: install
	$(PY) manage.py backup_site --output-dir backups

# Into a fresh, empty database: make restore BACKUP=backups/carnet-YYYYMMDD-HHMMSS.tar.gz
restore: install
	@test -n "$(BACKUP)" || { echo "Usage: make restore BACKUP=backups/carnet-….tar.gz"; exit 2; }
	$(PY) manage.py migrate --noinput
	$(PY) manage.py restore_site "$(BACKUP)"

# Issue 9's goals: Lighthouse (npm ci --prefix bench) and EcoIndex on five pages; fails on a miss.
audit: install
	@test -x bench/node_modules/.bin/lighthouse || npm ci --prefix bench --no-audit --no-fund
	$(PY) bench/audit.py

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles

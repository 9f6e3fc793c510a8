# `make run` starts the demo site, `make test` runs every check CI runs.
VENV   := .venv
PYTHON := $(VENV)/bin/python
RUFF   := $(VENV)/bin/ruff
MANAGE := $(PYTHON) manage.py
STAMP  := $(VENV)/.installed

# Placeholder production environment, just enough for `check --deploy` to import
# config.settings.production. None of it is a real secret.
PRODUCTION_ENV := \
	DJANGO_SETTINGS_MODULE=config.settings.production \
	DJANGO_SECRET_KEY=ci-check-deploy-only-Xq7vK2mP9sLw4Rt8Yb3Nc6Hd1Fg5Jz0Ue \
	DJANGO_ALLOWED_HOSTS=example.org \
	DJANGO_EMAIL_URL=consolemail:// \
	DJANGO_SITE_URL=https://example.org \
	DATABASE_URL=sqlite:///tmp/x.sqlite3

.PHONY: run test lint format messages vendor clean install bench bench-backup cluster backup restore

run: install
	$(MANAGE) migrate
	$(MANAGE) load_demo
	$(MANAGE) collectstatic --noinput -v0
	$(MANAGE) runserver 127.0.0.1:8000

# `python -m pytest` (not .venv/bin/pytest) puts the project root on sys.path,
# which `-p tests.postgres_harness` in pyproject.toml needs.
test: install lint
	DJANGO_SETTINGS_MODULE=config.settings.test $(MANAGE) makemigrations --check --dry-run
	env $(PRODUCTION_ENV) $(MANAGE) check --deploy --fail-level WARNING
	env -u DATABASE_URL -u DELAKTIG_TEST_DATABASE $(PYTHON) -m pytest -m "not cluster"
	env -u DATABASE_URL DELAKTIG_TEST_DATABASE=postgres $(PYTHON) -m pytest

# Load benchmark of the production setup (PostgreSQL, gunicorn, wrk) on this machine;
# results in .bench/results.json. Options: make bench BENCH_ARGS="--duration 5 --skip-tenth"
# (see bench/README.md). About 12 minutes the first time (it generates the data), 7 after.
bench: install
	$(PYTHON) -m bench.run $(BENCH_ARGS)

# Backup and restore times and set sizes, demo and `make bench` data (bench/README.md).
# Options: make bench-backup BENCH_BACKUP_ARGS="--scale 0.1"
bench-backup: install
	$(PYTHON) -m bench.backup $(BENCH_BACKUP_ARGS)

# The production setup on this machine: PostgreSQL, Redis, two gunicorn app servers,
# the task worker and nginx in front, on 127.0.0.1 (see cluster/local.py). As root it
# installs redis-server and nginx-light when missing. Ctrl-C stops everything.
# Options: make cluster CLUSTER_ARGS="--port 8080 --task-workers 2" (python -m cluster --help).
cluster: install
	$(PYTHON) -m cluster $(CLUSTER_ARGS)

# One backup set (database, media files, manifest) in DELAKTIG_BACKUP_DIR (default
# ./backups), then retention. `make backup BACKUP_ARGS=--list` lists the sets.
backup: install
	$(MANAGE) backup $(BACKUP_ARGS)

# Restore a set after checking all of it: make restore SET=delaktig-20261202T013000Z
# (add RESTORE_ARGS=--force to replace data that is there; it is backed up first).
restore: install
	@test -n "$(SET)" || { echo "Name the set: make restore SET=<name> (make backup BACKUP_ARGS=--list)"; exit 2; }
	$(MANAGE) restore $(SET) $(RESTORE_ARGS)

lint: install
	$(RUFF) check .
	$(RUFF) format --check .

format: install
	$(RUFF) check --fix .
	$(RUFF) format .

# Update the Swedish catalog from the code and compile it (needs GNU gettext).
messages: install
	$(MANAGE) makemessages --locale sv --no-obsolete --ignore 'staticfiles/*'
	$(MANAGE) compilemessages --locale sv --ignore '.venv/*'

# Copy front-end packages from npm into static/vendor/ (the copies are committed,
# so running the site never needs npm or a CDN).
vendor:
	npm install --no-audit --no-fund
	mkdir -p static/vendor/bootstrap
	cp node_modules/bootstrap/dist/css/bootstrap.min.css* node_modules/bootstrap/dist/js/bootstrap.bundle.min.js* node_modules/bootstrap/LICENSE static/vendor/bootstrap/

clean:
	rm -rf staticfiles .pytest_cache .ruff_cache *.egg-info build .cluster
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

install: $(STAMP)

# Reinstall only when pyproject.toml changed since the last install.
$(STAMP): pyproject.toml | $(PYTHON)
	$(PYTHON) -m pip install -e '.[dev]'
	touch $@

$(PYTHON):
	python3 -m venv $(VENV)

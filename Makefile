# The two commands of the README: `make run` and `make test`.  Everything installs from here.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
# `make serve` listens on this machine only unless told otherwise (nginx in front); BIND=0.0.0.0 opens it up
BIND   ?= 127.0.0.1
WORKERS ?= 2
STAMP  := $(VENV)/.installed
TRUSTED_PROXIES ?=

export FLASK_APP := wsgi
# The suite runs on PostgreSQL too whenever this machine has one (it is the production database).
TEST_DATABASE_URL ?= $(shell pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && echo postgresql+psycopg://postgres@127.0.0.1:5432/test)

.PHONY: run serve test test-sqlite test-postgres install browser servers db clean bench lighthouse css

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

db: install
	$(BIN)/flask db upgrade heads

## Development server with demo data: http://127.0.0.1:$(PORT) (self-registration on for the demo)
run: export ALLOW_REGISTRATION ?= 1
run: db
	$(BIN)/flask seed-demo
	@echo "Serving on http://127.0.0.1:$(PORT)  (Ctrl+C to stop)"
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

## Production server: migrations, then gunicorn (sync workers, recycled after 200,000-300,000 requests
## as deploy/systemd/quiz@.service says why; no demo data).  Binds $(BIND)
## (127.0.0.1 by default); forwarded headers count only from TRUSTED_PROXIES (docs/deploy.md).
serve: db
	$(BIN)/gunicorn --workers $(WORKERS) --bind $(BIND):$(PORT) --preload \
		--access-logfile - \
		--forwarded-allow-ips '$(TRUSTED_PROXIES)' --logger-class quiz.ops.RedactingGunicornLogger \
		--max-requests 200000 --max-requests-jitter 100000 --timeout 60 wsgi:app

## Debian packages the tests use: headless Chromium and CJK fonts for the browser tests (never
## `playwright install`), poppler-utils to render a certificate PDF
browser:
	@{ test -x /usr/bin/chromium && fc-list 2>/dev/null | grep -qi wqy && command -v pdftoppm >/dev/null; } || { \
		command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-zenhei \
			poppler-utils >/dev/null) \
		|| echo "chromium or poppler-utils not installed: those tests will be skipped"; }

## Debian packages of the two-server test (tests/test_two_servers.py): nginx in front of two app
## servers sharing Redis.  The test runs nginx itself, unprivileged, from deploy/nginx/quiz.conf;
## the package's own service is not needed (stop it with `systemctl disable --now nginx` if it started).
servers:
	@{ { command -v nginx >/dev/null || test -x /usr/sbin/nginx; } && command -v redis-server >/dev/null; } || { \
		command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx redis-server >/dev/null) \
		|| echo "nginx or redis-server not installed: the two-server test will be skipped"; }

## axe-core for the accessibility checks of the browser tests, pinned by package-lock.json
AXE := node_modules/axe-core/axe.min.js
$(AXE): package.json package-lock.json
	@command -v npm >/dev/null && npm ci --no-audit --no-fund --silent || echo "npm not found: the accessibility checks will be skipped"

## All tests: on SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set or a local server answers
test: install browser servers $(AXE)
	env -u TEST_DATABASE_URL $(BIN)/pytest -q
	@if [ -n "$(TEST_DATABASE_URL)" ]; then \
		echo "== again on PostgreSQL ($(TEST_DATABASE_URL))"; \
		TEST_DATABASE_URL="$(TEST_DATABASE_URL)" $(BIN)/pytest -q -p no:cacheprovider --ignore=tests/question_bank; \
	fi

## The load benchmarks drive the server with wrk (a Debian package)
bench: install
	@command -v wrk >/dev/null || { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } || echo "wrk not installed"
	$(BIN)/python bench/load_attempts.py

## Bootstrap's CSS cut down to the rules the app uses (static/css/bootstrap.purged.min.css, committed;
## tests/test_static_files.py says when it must be re-run)
css: install
	npm ci --prefix tools/css --no-audit --no-fund --silent
	BOOTSTRAP_DIR="$$($(BIN)/python -c 'import flask_bootstrap, pathlib; print(pathlib.Path(flask_bootstrap.__file__).parent / "static" / "bootstrap5")')" \
		tools/css/node_modules/.bin/purgecss --config tools/css/purgecss.config.cjs

## Lighthouse's mobile profile (150 ms, 1.6 Mbit/s, 4x CPU) over the login, home, quiz and result
## pages, against the production server with the demo data (bench/lighthouse.py)
lighthouse: install browser
	npm ci --prefix bench/lighthouse --no-audit --no-fund --silent
	$(BIN)/python bench/lighthouse.py

clean:
	rm -rf $(VENV) instance .pytest_cache

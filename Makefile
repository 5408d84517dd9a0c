# The two commands of the quick start: `make demo` and `make test`.
# Each one installs what it lacks: the virtual environment and packages, the
# Debian packages for browser tests and PDFs, the compiled translations.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SYSTEM_PACKAGES := chromium chromium-driver poppler-utils fonts-dejavu-core nginx

.PHONY: demo test install system-deps translations serve bench clean axe

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP) translations

# Debian packages: Chromium for the browser tests, poppler (pdftotext) for the
# PDF tests, DejaVu fonts (full Cyrillic, Kyrgyz letters) for the protocols.
system-deps:
	@missing=""; \
	for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

translations: $(STAMP)
	@for d in $$(ls -d */translations/*/ 2>/dev/null); do \
	  if ls $$d*/LC_MESSAGES/messages.po >/dev/null 2>&1; then $(BIN)/pybabel compile -f -d $$d >/dev/null; fi; \
	done

# axe-core for the accessibility browser tests (tests/browser/test_console_axe.py),
# pinned in tests/browser/axe/package-lock.json.
AXE := tests/browser/axe/node_modules/axe-core/axe.min.js
$(AXE): tests/browser/axe/package.json tests/browser/axe/package-lock.json
	cd tests/browser/axe && npm ci --no-audit --no-fund --silent
	touch $(AXE)

axe: $(AXE)

test: install system-deps axe
	$(BIN)/pytest -q $(PYTEST_ARGS)

# Starts on the embedded SQLite database in the instance folder with demo data.
# The database is kept between runs (a new demo session is added each time);
# `make demo RESET=1` deletes it first.
DEMO_BIND ?= 127.0.0.1:8000
RESET ?=
demo: install system-deps
	EXAM_MODE=demo $(BIN)/examserver demo $(if $(RESET),--reset) --url http://$(DEMO_BIND)
	EXAM_MODE=demo $(BIN)/examserver serve --bind $(DEMO_BIND)

# The hot-path table (B1-B5, floor ratio, restart; docs/benchmarks.md) at a size
# that takes a few minutes; BENCH_ARGS takes it to full size, e.g.
#   make bench BENCH_ARGS="--terminals 1000 --active 2000 --seconds 30 --rounds 2"
#   make bench BENCH_ARGS="--database postgresql+psycopg://postgres@127.0.0.1/empty_db --floor-database ..."
BENCH_ARGS ?=
bench: install system-deps
	$(BIN)/python -m bench.hall --terminals 200 --seconds 10 $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache

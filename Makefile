# Two entry points (see README): `make demo` and `make test`. Both install what they need first.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
# torch==2.13.0 (CPU) lies on local disk; pointing pip there avoids several GB of CUDA wheels.
WHEELS := $(wildcard /opt/wheels)
PIP_FLAGS := $(if $(WHEELS),--find-links $(WHEELS),)
STAMP := $(VENV)/.installed

.PHONY: demo test install system-packages services lint

# The demo imports the bundled calls and chats into the embedded store ($$IQS_HOME, default
# ~/.local/share/iqs), then prints the per-agent table from the store. Importing again adds nothing.
demo: install
	$(BIN)/iqs import samples
	$(BIN)/iqs agents

test: install services
	$(BIN)/python -m pytest -q

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory system-packages
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q $(PIP_FLAGS) torch==2.13.0
	$(BIN)/pip install -q $(PIP_FLAGS) -e '.[dev]'
	touch $(STAMP)

# Debian packages: espeak-ng and sox (with its mp3/ogg formats) make speech for tests; chromium
# runs the browser tests (Playwright drives /usr/bin/chromium; no browser is downloaded); ffmpeg's
# libraries come inside PyAV's wheel; gcc builds webrtcvad (a resemblyzer dependency).
DEBIAN_PACKAGES := espeak-ng sox libsox-fmt-all chromium
system-packages:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; \
	  else echo "please install the Debian packages:$$missing"; fi; fi

# PostgreSQL and Redis, started when not running (the machine has them installed).
services:
	@bash .ci/services.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

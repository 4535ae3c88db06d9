PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
IDP_PORT ?= 8001
BIN = $(VENV)/bin
export KRUZHOK_ENV ?= development

.PHONY: run test install migrate seed clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

migrate: install
	$(BIN)/flask --app app migrate

run: install
	$(BIN)/flask --app app seed-demo --if-empty
	BIN=$(BIN) PORT=$(PORT) IDP_PORT=$(IDP_PORT) tools/serve.sh

test: install
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) instance .pytest_cache

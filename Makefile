# The README's two commands: `make demo` and `make test`. Both create .venv when missing and
# install the pinned requirements once; re-running them when set up costs seconds.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PACKAGES := core cli sampleweb crawl clean dedup tokenize train eval pipelines
export PYTHONUNBUFFERED := 1

.PHONY: setup demo test lint typecheck browser unit bench clean-demo

$(STAMP): requirements-dev.txt setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip setuptools wheel
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/webtext demo

# vulture: definitions nothing refers to, in the package, the benchmarks and the tests (a public
# function that only the tests call is tested API, not dead code). 60% is its lowest confidence, the
# one it gives unused functions, classes and attributes; names a framework calls are in
# vulture_whitelist.py, and crawl/spiders/settings.py is Scrapy's settings module, read as a whole.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/vulture $(PACKAGES) bench tests vulture_whitelist.py --min-confidence 60 --exclude crawl/spiders/settings.py

# mypy sees the folders through .typecheck/webtext/<folder> links, the layout they install as.
typecheck: setup
	mkdir -p .typecheck/webtext
	for d in $(PACKAGES); do ln -sfn ../../$$d .typecheck/webtext/$$d; done
	$(BIN)/mypy --config-file setup.cfg $(addprefix -p webtext.,$(PACKAGES))

unit: setup
	$(BIN)/python -m pytest -n 2 --dist loadgroup

# Debian's chromium renders the HTML reports in the browser tests (tests/browser.py). Installed
# where missing and possible (root with apt-get); where not, the tests that need it skip, saying why.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 \
	    || { apt-get update -q >/dev/null 2>&1 \
	         && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1; } \
	    || echo "could not install chromium: the browser tests will be skipped"; \
	  else echo "chromium is missing and cannot be installed here (needs root and apt-get): the browser tests will be skipped"; fi; }

test: lint typecheck browser unit

bench: setup
	$(BIN)/python bench/run

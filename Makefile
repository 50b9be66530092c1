# The course's commands. `make book` and `make test` create .venv and install on first use.
#   make book       build the website into _build/html (full mode: what learners read)
#   make test       run the whole test suite (fast mode, as CI does)
#   make release    generate and validate the learners' versions of the assignments (instructors)
#   make selftest   prove the grader: solution, blank release and mutants through real grading
#   make sandbox    install bubblewrap (the grading sandbox) when missing and we may
#   make bench      run the performance benchmarks and print the figures
#   make doctor     check this machine's setup (versions, data, GPU) and say how to fix problems
#   make install-gpu  install the GPU variant (CUDA TensorFlow + CuPy) into .venv
#   make lock       re-resolve requirements.in into the pinned requirements.txt
#   make dist       build course_pkg's sdist and wheel into dist/ (what learners pip install)
#   make setup-cells  write every notebook's set-up cell and the README's install commands from _config.yml
#   make wheelhouse   fill _build/wheelhouse with the wheels a fresh install needs (the install tests run offline)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

export PYTHONDONTWRITEBYTECODE := 1
# TensorFlow's C++ start-up chatter is noise for learners and in logs.
export TF_CPP_MIN_LOG_LEVEL ?= 2
# Use the offline MNIST mirror beside the repository when it exists (see README).
ifneq ($(wildcard ../shared/data/mnist.npz),)
export COURSE_DATA_DIR ?= $(abspath ../shared/data)
endif
# Nothing the Makefile runs downloads data (the book build, the tests, the benchmarks): course_pkg's
# load_mnist only downloads where a learner runs it. Package installs (pip) are not data downloads.
export COURSE_OFFLINE := 1

.PHONY: venv browser sandbox downloads book book-fast test bench doctor install-gpu lock clean release selftest \
        dist setup-cells wheelhouse

venv: $(STAMP)

# The instructor's grader (grader/, package course_grader) is a separate distribution, installed after
# course_pkg; it is never part of the course_pkg wheel.
$(STAMP): requirements.txt pyproject.toml grader/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip install --quiet --no-deps -e grader
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (course)" >/dev/null
	touch $(STAMP)

# The learners' versions of the assignments (no solutions, no hidden tests), served by the book as downloads.
# Regenerated only when an assignment, the nbgrader config or the pipeline changes, so that a rebuild
# of an unchanged book stays quick.
DOWNLOADS := _build/downloads
DOWNLOADS_STAMP := _build/.downloads-published
downloads: $(DOWNLOADS_STAMP)
$(DOWNLOADS_STAMP): $(STAMP) assignments/nbgrader_config.py $(wildcard assignments/source/*/*) $(wildcard grader/course_grader/*.py)
	$(BIN)/python -m course_grader release --no-check --publish-to $(DOWNLOADS) >/dev/null
	touch $@

book: $(STAMP) setup-cells downloads
	$(BIN)/jupyter-book build .

# Fast mode builds into _build/fast with a cache of its own: the execution cache is keyed by code, not
# by COURSE_FAST, so sharing it would put fast-mode outputs into the published site.
book-fast: $(STAMP) setup-cells downloads
	COURSE_FAST=1 $(BIN)/jupyter-book build . --path-output _build/fast

# Every chapter and assignment notebook starts with a set-up cell that installs course_pkg where it is
# missing (Colab, Binder, a plain Jupyter) from repository.url in _config.yml; the README's install
# commands come from the same setting. A fork changes that one setting and runs `make book`.
# Rewrites only what disagrees, so an up-to-date notebook keeps its execution cache.
setup-cells: $(STAMP)
	$(BIN)/python tools/setup_cells.py

# course_pkg as learners install it: an sdist, and a wheel built from that sdist (offline, with the
# setuptools of .venv).
dist: $(STAMP)
	$(BIN)/python tools/build_dist.py dist

# The wheels a fresh install of course_pkg[notebook] and Binder's requirements need, at the versions of
# requirements.txt, so that the install tests (tests/install) build a clean virtualenv with no network.
# Filled from the package index (about 450 MB), again only when the pins or the extras change. Without
# access to the index it says so and the install tests skip, saying why; the rest of `make test` runs.
WHEELHOUSE := _build/wheelhouse
wheelhouse: $(WHEELHOUSE)/.complete
$(WHEELHOUSE)/.complete: $(STAMP) requirements.txt pyproject.toml
	@if $(BIN)/python -m pip download --quiet --dest $(WHEELHOUSE) -c requirements.txt \
	  "setuptools>=68" wheel ".[notebook,keras-cpu]"; then touch $@; \
	else echo "note: could not fill $(WHEELHOUSE) from the package index: the install tests (tests/install) will skip"; fi

# Instructor steps (see the instructor guide): release = generate + validate (creates the instructor
# secret outside the repository if missing); selftest = grade the solution, the blank release and the
# deliberately wrong versions through real nbgrader and the sandbox.
release: $(STAMP) sandbox
	$(BIN)/python -m course_grader release

selftest: $(STAMP) sandbox
	$(BIN)/python -m course_grader selftest

test: $(STAMP) browser sandbox wheelhouse
	COURSE_FAST=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

# The site tests drive Debian's headless Chromium. Install it when missing and we may (root + apt);
# otherwise those tests skip and say why.
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing chromium and chromium-driver for the site tests"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null 2>&1 && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver >/dev/null; }; \
	else echo "note: chromium/chromium-driver not installed (needs root/apt): the site tests will skip"; fi

# Grading runs every submission in a bubblewrap sandbox (Debian package `bubblewrap`). Install it when
# missing and we may (root + apt); otherwise say how, and the sandbox tests will skip.
sandbox:
	@if command -v bwrap >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing bubblewrap for the grading sandbox"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q bubblewrap >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null 2>&1 && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q bubblewrap >/dev/null; }; \
	else echo "note: bubblewrap (bwrap) is not installed: run 'sudo apt-get install bubblewrap' (Debian/Ubuntu)" \
	  "or your system's package; until then grading refuses (or runs unsandboxed with --practice) and the" \
	  "sandbox tests skip"; fi

bench: $(STAMP)
	$(BIN)/python -m course_pkg bench

doctor: $(STAMP)
	$(BIN)/python -m course_pkg doctor

install-gpu:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	grep -v '^tensorflow_cpu==' requirements.txt > $(VENV)/requirements-no-tf-cpu.txt
	$(BIN)/python -m pip install -r $(VENV)/requirements-no-tf-cpu.txt -r requirements-gpu.txt
	$(BIN)/python -m pip install --no-deps -e .
	$(BIN)/python -m pip install --no-deps -e grader
	touch $(STAMP)

lock:
	rm -rf /tmp/course-lock && $(PYTHON) -m venv /tmp/course-lock
	/tmp/course-lock/bin/pip install --quiet -r requirements.in
	head -7 requirements.txt > requirements.lock.tmp
	/tmp/course-lock/bin/pip freeze >> requirements.lock.tmp
	mv requirements.lock.tmp requirements.txt

clean:
	rm -rf _build .pytest_cache dist

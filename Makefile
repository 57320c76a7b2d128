# The two commands a vendor, a QA engineer and CI need:
#   make conformance   twin-profile conformance run against the reference terminal twin:
#                      Allure results (with captures), the HTML report, the certification
#                      summary and the signed evidence bundle in reports/out
#   make test          the bench's own tests, including the detection matrix
# Both install what they need first (Python packages in .venv, Debian packages for tshark).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
SEED ?= 1
OUT := reports/out
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: conformance test matrix benchmarks lint system-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Allure 3 (npm package "allure", pinned by package-lock.json) renders the HTML report;
# npm ci installs exactly the locked versions into node_modules/. Node.js and npm come
# with the machine; Debian's are installed if they are missing.
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { \
	  echo "installing Node.js and npm from Debian"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm >/dev/null; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

# tshark dissects the captures; hostapd and eapol_test (wpa_supplicant) are the EAP-PSK
# interoperability peers (tests/protocols/test_tshark_decodes.py, tests/interop);
# headless Chromium opens the HTML report and a CJK font renders its Japanese
# (tests/reports/test_html_report.py); Allure 3 generates that report.
system-deps: $(NODE_STAMP)
	@command -v tshark >/dev/null && command -v hostapd >/dev/null && command -v eapol_test >/dev/null \
	  && command -v chromium >/dev/null && fc-list :lang=ja 2>/dev/null | grep -q . || { \
	  echo "installing tshark, hostapd, eapoltest, chromium and fonts-noto-cjk from Debian"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
	    tshark hostapd eapoltest chromium fonts-noto-cjk >/dev/null; }

# The run writes its Allure results and verdicts; reports.build then writes the metadata,
# the single-file HTML report, the certification summary and the signed evidence bundle
# (README: "Reading the report"). A report is built for failing runs too, since it
# says why; the target still exits with pytest's status. A failing build step stops it.
conformance: $(STAMP) $(NODE_STAMP)
	rm -rf $(OUT)/allure-results $(OUT)/html $(OUT)/verdicts.json
	mkdir -p $(OUT)
	{ $(BIN)/pytest features --profile twin --seed $(SEED) \
	  --alluredir $(OUT)/allure-results --verdicts-json $(OUT)/verdicts.json \
	  $(if $(ICS),--ics $(ICS)) -p no:cacheprovider; echo $$? > $(OUT)/pytest.exit; } 2>&1 \
	  | tee $(OUT)/conformance.log
	@status=$$(cat $(OUT)/pytest.exit); rm -f $(OUT)/pytest.exit; \
	if [ "$$status" -gt 1 ]; then echo "conformance run: pytest stopped (exit $$status) before judging"; exit $$status; fi; \
	$(BIN)/python -m reports.build --out $(OUT) --seed $(SEED) $(if $(ICS),--ics $(ICS)) || exit 1; \
	if [ "$$status" -ne 0 ]; then echo "conformance run: not every scenario passed; $(OUT)/html/index.html says why"; fi; \
	exit $$status

# The bench's own loop uses every core through pytest-xdist. --dist loadgroup keeps the
# tests of one xdist_group on one worker: the detection matrix, the emulated-rig tests of
# tests/rigs/profile (they mostly wait on the wall clock, and run beside the CPU-bound
# tests instead of after them), and the tests that share a conformance run or a browser
# (tests/conftest.py). make test starts one worker more than there are CPUs, since the one
# that starts the matrix (itself on JOBS workers, at a lower priority) only waits for it.
# Python writes its bytecode caches (__pycache__, ignored by git) even where the
# environment says not to: the tests start some thirty Python processes, and each would
# compile the bench and its libraries again.
JOBS ?= auto
TEST_JOBS ?= $(shell echo $$(( $$(nproc) + 1 )))
PYTEST := PYTHONDONTWRITEBYTECODE= $(BIN)/pytest

test: $(STAMP) system-deps
	$(BIN)/ruff check .
	$(PYTEST) tests -n $(TEST_JOBS) --dist loadgroup -p no:cacheprovider

# Every feature against the reference and every faulty twin over 20 seeds, on JOBS
# workers; the verdicts are the same for any JOBS (each scenario runs on its own seed).
matrix: $(STAMP)
	$(PYTEST) features --dut all --seeds 20 -n $(JOBS) -q --tb=no -rN -p no:cacheprovider --verdicts-json $(OUT)/matrix.json || true

# Prints every figure next to the previous run's (kept in $(OUT)/benchmarks.json).
benchmarks: $(STAMP)
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m benchmarks --figures $(OUT)/benchmarks.json

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(OUT) $(VENV)

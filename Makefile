# The two commands a vendor, a QA engineer and CI need:
#   make conformance   twin-profile conformance run against the reference terminal twin,
#                      Allure results (with captures) in reports/out/allure-results
#   make test          the bench's own tests, including the detection matrix
# Both install what they need first (Python packages in .venv, Debian packages for tshark).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SEED ?= 1
OUT := reports/out
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: conformance test matrix benchmarks lint system-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# tshark dissects the captures; hostapd and eapol_test (wpa_supplicant) are the EAP-PSK
# interoperability peers (tests/protocols/test_tshark_decodes.py, tests/interop).
system-deps:
	@command -v tshark >/dev/null && command -v hostapd >/dev/null && command -v eapol_test >/dev/null || { \
	  echo "installing tshark, hostapd and eapoltest from Debian"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq tshark hostapd eapoltest >/dev/null; }

conformance: $(STAMP)
	rm -rf $(OUT)/allure-results
	$(BIN)/pytest features --profile twin --seed $(SEED) \
	  --alluredir $(OUT)/allure-results --verdicts-json $(OUT)/verdicts.json \
	  $(if $(ICS),--ics $(ICS)) -p no:cacheprovider
	$(BIN)/python -m reports.environment $(OUT)/allure-results --seed $(SEED) $(if $(ICS),--ics $(ICS))

test: $(STAMP) system-deps
	$(BIN)/ruff check .
	$(BIN)/pytest tests -p no:cacheprovider

matrix: $(STAMP)
	$(BIN)/pytest features --dut all --seeds 20 -q --tb=no -rN -p no:cacheprovider --verdicts-json $(OUT)/matrix.json || true

benchmarks: $(STAMP)
	$(BIN)/python -m benchmarks

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(OUT) $(VENV)

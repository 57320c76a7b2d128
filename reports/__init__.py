"""What a conformance run leaves for its readers, built after the pytest run (``reports.build``):
run metadata (``environment``), the single-file HTML report (``html``, Allure 3), the
certification summary (``traceability``) and the signed evidence bundle (``bundle``);
with the sequence chart and measurement tables attached to each scenario's result."""

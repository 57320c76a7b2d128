// Allure 3 configuration of the bench's HTML report (npm package "allure", pinned in
// package.json and package-lock.json). `make conformance` runs it through
// `python -m reports.html`, which passes the results directory and the output directory:
//
//   npx allure generate reports/out/allure-results --config allurerc.mjs --output reports/out/html
//
// One self-contained index.html (the awesome plugin in single-file mode) that opens from
// a disk, a USB stick or an evidence bundle with no server and no network.
import { readFileSync } from "node:fs";

import { defineConfig } from "allure";

// The report's language: reports.html passes the one it was asked for ("en" or "ja",
// `make conformance REPORT_LANG=ja` or a Japanese locale); Allure's own interface then
// speaks it too. The results it renders are already translated (reports/i18n/).
const language = process.env.IOTROUTE_REPORT_LANGUAGE ?? "en";

// The categories that separate terminal defects (failed) from bench errors (broken) and
// not-applicable scenarios (skipped) live in one place, reports/categories.json, which
// reports.environment also copies into the results for Allure 2 readers; a report in
// another language reads them translated from the file reports.html names.
const categoriesFile = process.env.IOTROUTE_CATEGORIES ?? new URL("./reports/categories.json", import.meta.url);
const categories = JSON.parse(readFileSync(categoriesFile, "utf8"));

export default defineConfig({
  name: "IoT-route conformance",
  // Every run appends one line; the report's history and trend charts read them back.
  // reports/out is kept between runs (make clean removes it).
  historyPath: process.env.IOTROUTE_HISTORY ?? "reports/out/history.jsonl",
  historyLimit: 100,
  hideLabels: ["thread"],
  categories: {
    rules: categories.map(({ name, matchedStatuses }) => ({ name, matchers: { statuses: matchedStatuses } })),
  },
  plugins: {
    awesome: {
      options: {
        singleFile: true,
        reportName: "IoT-route conformance",
        reportLanguage: language,
        // The tree: guideline, requirement area, clause (the labels fixtures/tags.py sets).
        groupBy: ["epic", "feature", "story"],
      },
    },
  },
});

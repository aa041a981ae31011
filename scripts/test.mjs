// Runs every test suite (unit, integration on PGlite, integration + concurrency on
// PostgreSQL when TEST_DATABASE_URL is set, browser) and ends with the totals on a line of
// their own: "N passed, N failed". Extra arguments go to vitest, e.g.
// `npm test -- --project unit` or `npm test -- test/integration/auth.test.ts`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const serverDir = path.join(root, 'server');
const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-test-'));
const report = path.join(reportDir, 'report.json');
const extraArgs = process.argv.slice(2);

if (!process.env.TEST_DATABASE_URL) {
  console.log('\n!! TEST_DATABASE_URL is not set: the PostgreSQL suites (integration on PostgreSQL, concurrency, reliability) are skipped.');
  console.log('!! Run them with: TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm test\n');
}

// vitest's own entry, run by this node: no npx in between to swallow signals or exit codes.
const vitest = path.join(path.dirname(createRequire(path.join(serverDir, 'package.json')).resolve('vitest/package.json')), 'vitest.mjs');
const result = spawnSync(
  process.execPath,
  [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extraArgs],
  { cwd: serverDir, stdio: 'inherit', env: process.env },
);

/** Counts from vitest's JSON report; a file that failed before running its tests counts as one failure. */
function countResults(file) {
  const summary = JSON.parse(fs.readFileSync(file, 'utf8'));
  let failed = summary.numFailedTests;
  for (const suite of summary.testResults ?? []) {
    const hasFailedTest = (suite.assertionResults ?? []).some((test) => test.status === 'failed');
    if (suite.status === 'failed' && !hasFailedTest) failed += 1;
  }
  return { passed: summary.numPassedTests, failed, skipped: summary.numPendingTests + summary.numTodoTests };
}

let counts = { passed: 0, failed: 1, skipped: 0 };
if (fs.existsSync(report)) counts = countResults(report);
fs.rmSync(reportDir, { recursive: true, force: true });
const exitCode = result.status ?? 1;
// A non-zero exit with no failed test (a crashed worker, an unhandled error between tests)
// is still a failure, and the totals must say so.
if (exitCode !== 0 && counts.failed === 0) counts.failed = 1;
console.log(`\n${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}`);
process.exit(exitCode);

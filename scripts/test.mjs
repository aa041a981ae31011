// Runs every test suite (unit, integration on PGlite, integration + concurrency on
// PostgreSQL when TEST_DATABASE_URL is set, browser) and ends with the totals on a line of
// their own: "N passed, N failed".
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'herald-test-')), 'report.json');
const extraArgs = process.argv.slice(2);

if (!process.env.TEST_DATABASE_URL) {
  console.log('\n!! TEST_DATABASE_URL is not set: the PostgreSQL suites (integration on PostgreSQL, concurrency, reliability) are skipped.');
  console.log('!! Run them with: TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm test\n');
}

const result = spawnSync(
  'npx',
  ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extraArgs],
  { cwd: path.join(root, 'server'), stdio: 'inherit', env: process.env },
);

let passed = 0;
let failed = 0;
let skipped = 0;
if (fs.existsSync(report)) {
  const summary = JSON.parse(fs.readFileSync(report, 'utf8'));
  passed = summary.numPassedTests;
  failed = summary.numFailedTests + (summary.numFailedTestSuites > 0 && summary.numFailedTests === 0 ? summary.numFailedTestSuites : 0);
  skipped = summary.numPendingTests + summary.numTodoTests;
} else {
  failed = 1;
}
const exitCode = result.status ?? 1;
if (exitCode !== 0 && failed === 0) failed = 1;
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(exitCode);

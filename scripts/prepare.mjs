// Makes a fresh clone runnable: installs dependencies when they are missing or older than
// package-lock.json, and builds the web UI when its build is missing or older than its
// sources. Uses nothing but Node itself, so it runs before `npm install` has.
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const run = (command) => execSync(command, { cwd: root, stdio: 'inherit' });

/** The first locked package that is not installed at its locked version, or null when all are. */
function firstMissingPackage() {
  const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
  for (const [where, entry] of Object.entries(lock.packages ?? {})) {
    // Optional packages are platform-specific builds (esbuild, rollup…): most are absent by design.
    if (!where.includes('node_modules/') || entry.optional || entry.link) continue;
    const manifest = path.join(root, where, 'package.json');
    if (!fs.existsSync(manifest)) return where;
    if (entry.version && JSON.parse(fs.readFileSync(manifest, 'utf8')).version !== entry.version) return where;
  }
  return null;
}

const missing = fs.existsSync(path.join(root, 'node_modules')) ? firstMissingPackage() : 'node_modules';
if (missing) {
  console.log(`Installing dependencies (${missing} is missing or out of date)…`);
  run('npm ci --no-audit --no-fund');
}

function newestMtime(target) {
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of fs.readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

const builtIndex = path.join(root, 'web/dist/index.html');
const webInputs = ['web/src', 'web/public', 'web/index.html', 'web/vite.config.ts', 'shared/src'].map((p) => path.join(root, p)).filter((p) => fs.existsSync(p));
const sourcesChangedAt = Math.max(...webInputs.map(newestMtime));
if (!fs.existsSync(builtIndex) || fs.statSync(builtIndex).mtimeMs < sourcesChangedAt) {
  console.log('Building the web UI…');
  try {
    run('npm run -s build');
  } catch {
    // Before `npm test` a broken UI build must not hide the server's results: the browser
    // tests fail on it by themselves. Before `npm start` it is the end of the road.
    const isBeforeTests = process.env.npm_lifecycle_event === 'pretest';
    console.error(`\n!! The web UI did not build (see above).${isBeforeTests ? ' Running the tests anyway.' : ''}\n`);
    if (!isBeforeTests) process.exit(1);
  }
}

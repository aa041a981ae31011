// Makes a fresh clone runnable: installs dependencies when they are missing and builds the
// web UI when its build is missing or older than its sources. Uses nothing but Node itself,
// so it runs before `npm install` has.
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const run = (command) => execSync(command, { cwd: root, stdio: 'inherit' });

if (!fs.existsSync(path.join(root, 'node_modules/.package-lock.json'))) {
  console.log('Installing dependencies (first run)…');
  run('npm ci --no-audit --no-fund');
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

const builtIndex = path.join(root, 'web/dist/index.html');
const sourcesChangedAt = Math.max(newestMtime(path.join(root, 'web/src')), newestMtime(path.join(root, 'shared/src')));
if (!fs.existsSync(builtIndex) || fs.statSync(builtIndex).mtimeMs < sourcesChangedAt) {
  console.log('Building the web UI…');
  run('npm run -s build');
}

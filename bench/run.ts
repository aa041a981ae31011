/**
 * `npm run bench`: runs every benchmark in this folder (each `*.ts` file but this one), one
 * after the other, each in its own process so one's warm caches and heap do not flatter the
 * next, and prints their figures. `npm run bench -- segments` runs the files whose names
 * contain "segments". Benchmarks print figures; they are not tests and assert nothing.
 * A benchmark may also hand its headline figures over (recordFigure in lib/report.ts, through
 * the file named by BENCH_FIGURES_FILE); they are printed together in one table at the end.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineLine, printTable, type SummaryFigure } from './lib/report.ts';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const serverDir = path.resolve(benchDir, '../server');

/** The benchmark files to run, in name order, filtered by the given name fragments (none: all). */
function benchFiles(fileNames: string[], filters: string[]): string[] {
  return fileNames
    .filter((name) => name.endsWith('.ts') && name !== 'run.ts' && !name.endsWith('.test.ts') && !name.endsWith('.d.ts'))
    .filter((name) => filters.length === 0 || filters.some((filter) => name.includes(filter)))
    .sort();
}

const figuresFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'herald-bench-figures-')), 'figures.jsonl');

function runOne(file: string): Promise<{ code: number | null; seconds: number }> {
  const startedAt = performance.now();
  return new Promise((resolve) => {
    // Run from server/ so a benchmark resolves the server's packages and migrations as the server does.
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(benchDir, file)], {
      cwd: serverDir,
      stdio: 'inherit',
      env: { ...process.env, BENCH_FIGURES_FILE: figuresFile },
    });
    child.on('exit', (code) => resolve({ code, seconds: (performance.now() - startedAt) / 1000 }));
  });
}

async function main(): Promise<void> {
  const files = benchFiles(fs.readdirSync(benchDir), process.argv.slice(2));
  if (files.length === 0) {
    console.log('No benchmark to run.');
    return;
  }
  const summary: string[] = [];
  for (const file of files) {
    console.log(`\n── ${file} ${'─'.repeat(Math.max(0, 70 - file.length))}`);
    const { code, seconds } = await runOne(file);
    summary.push(`${code === 0 ? 'ok    ' : 'FAILED'} ${file} (${seconds.toFixed(1)} s)`);
    if (code !== 0) process.exitCode = 1;
  }
  console.log(`\n── summary ${'─'.repeat(62)}\n${summary.join('\n')}`);
  const figures: SummaryFigure[] = fs.existsSync(figuresFile)
    ? fs.readFileSync(figuresFile, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as SummaryFigure)
    : [];
  fs.rmSync(path.dirname(figuresFile), { recursive: true, force: true });
  if (figures.length > 0) {
    printTable('Figures', ['workload', 'driver', 'measured', 'target', ''], figures.map((f) => [f.workload, f.driver, f.value, f.target ?? '', f.verdict ?? '']));
    console.log(machineLine());
  }
}

await main();

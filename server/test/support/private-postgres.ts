/**
 * A PostgreSQL server of a test's own (initdb + pg_ctl from the machine's PostgreSQL
 * binaries), on a free port in a temporary directory, for tests that must stop or restart the
 * database: the machine's shared server is in use by every other test at the same time.
 *
 * PostgreSQL refuses to run as root; when the tests run as root, every command runs as the
 * `postgres` user (runuser) and the directory is handed to that user. The server is stopped
 * and its directory removed by `destroy()`, by the importing file's afterAll, and on exit of
 * the test process, whichever comes first: nothing outlives the test file.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll } from 'vitest';
import { freePort } from './herald-process.ts';

const run = promisify(execFile);

export type PrivatePostgres = {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  /** stops the server (fast shutdown: open connections are cut, as in a real restart) */
  stop: () => Promise<void>;
  /** starts it again on the same port and data */
  start: () => Promise<void>;
  /** stop, wait `downMs`, start */
  restart: (downMs?: number) => Promise<void>;
  /** the server's log, for failure messages */
  log: () => string;
  /** stops the server at once and removes its directory */
  destroy: () => Promise<void>;
};

/** The bin directory of the newest PostgreSQL installed under /usr/lib/postgresql. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return undefined;
  const versions = fs.readdirSync(root).filter((name) => fs.existsSync(path.join(root, name, 'bin', 'initdb')));
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  return newest ? path.join(root, newest, 'bin') : undefined;
}

const isRoot = process.getuid?.() === 0;
const live = new Set<{ destroySync: () => void }>();

function destroyAllSync(): void {
  for (const server of live) server.destroySync();
  live.clear();
}
afterAll(destroyAllSync);
process.once('exit', destroyAllSync);

/** The command line that runs `binary` as the user PostgreSQL accepts. */
function asPostgresUser(binary: string, args: string[]): [string, string[]] {
  return isRoot ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
}

/** Creates, starts and returns a private PostgreSQL server. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const binDir = postgresBinDir();
  if (!binDir) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql (initdb, pg_ctl)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-pg-'));
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  if (isRoot) {
    fs.chmodSync(dir, 0o755);
    execFileSync('chown', ['postgres:postgres', dir]);
  }
  const port = await freePort();
  const pgCtl = path.join(binDir, 'pg_ctl');
  const exec = async (binary: string, args: string[]) => {
    const [command, commandArgs] = asPostgresUser(binary, args);
    await run(command, commandArgs, { timeout: 60_000 });
  };
  const execSync = (binary: string, args: string[]) => {
    const [command, commandArgs] = asPostgresUser(binary, args);
    try {
      execFileSync(command, commandArgs, { timeout: 30_000, stdio: 'ignore' });
    } catch {
      // already stopped
    }
  };

  // The socket goes in the private directory, not /var/run/postgresql where the shared server's is.
  const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
  const start = () => exec(pgCtl, ['-D', dataDir, '-l', logFile, '-o', serverOptions, '-w', '-t', '60', 'start']);
  const stop = () => exec(pgCtl, ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);

  const entry = {
    destroySync: () => {
      if (fs.existsSync(path.join(dataDir, 'postmaster.pid'))) execSync(pgCtl, ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  live.add(entry);
  try {
    await exec(path.join(binDir, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    await start();
  } catch (error) {
    entry.destroySync();
    live.delete(entry);
    throw error;
  }

  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop,
    start,
    restart: async (downMs = 0) => {
      await stop();
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      await start();
    },
    log: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-50).join('\n') : ''),
    destroy: async () => {
      entry.destroySync();
      live.delete(entry);
    },
  };
}

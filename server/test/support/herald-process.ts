/**
 * Starts real Herald processes (`src/main.ts`) for tests that need more than `app.inject()`:
 * several processes on one PostgreSQL, a browser, a crash. Each process gets a free port and
 * its own temporary data directory; its logs are kept so a failing test can show them; and
 * every process a test starts is stopped, even when the test or the runner dies.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll } from 'vitest';

const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const exitWithParent = path.join(serverDir, 'test/support/exit-with-parent.ts');
const keptLogLines = 2000;

export type StartHeraldOptions = {
  /** extra environment for the process (wins over everything below) */
  env?: Record<string, string>;
  /** postgres://… ; unset means the embedded database in `dataDir` */
  databaseUrl?: string;
  /** HERALD_ROLES, e.g. "api,scheduler,worker" (the default) or "worker" */
  roles?: string;
  /** reuse a data directory (a restart); by default a fresh temporary one, removed on stop() */
  dataDir?: string;
  adminEmail?: string;
  adminPassword?: string;
  /**
   * Start as a newcomer's `npm start` does: no HERALD_ADMIN_EMAIL / HERALD_ADMIN_PASSWORD, so
   * Herald creates admin@localhost with a generated password, read back from its log.
   */
  hasDefaultAdmin?: boolean;
  /** how long to wait for /readyz; default 60 s */
  readyTimeoutMs?: number;
};

export type ApiResponse<T> = { status: number; body: T };

export type HeraldProcess = {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  adminEmail: string;
  adminPassword: string;
  dataDir: string;
  process: ChildProcess;
  /** the last lines the process logged, for failure messages */
  logs: () => string;
  /** resolves with the first log line that matches, or rejects after timeoutMs */
  waitForLog: (pattern: RegExp, timeoutMs?: number) => Promise<string>;
  /** calls the API as the admin (signs in once, then reuses the session cookie) */
  api: <T = unknown>(method: string, apiPath: string, body?: unknown) => Promise<ApiResponse<T>>;
  /** sends the signal (SIGTERM by default) and waits for the exit; SIGKILL after 40 s */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
  /** kills the process at once, as a crash would; the data directory stays for a restart */
  kill9: () => Promise<void>;
};

type Started = { child: ChildProcess; ownedDataDir: string | undefined };
const started = new Set<Started>();

/** Kills every process this file started and not yet stopped, and removes their temporary data directories. */
export function killAllHerald(): void {
  for (const { child, ownedDataDir } of started) {
    if (!hasExited(child)) child.kill('SIGKILL');
    if (ownedDataDir) fs.rmSync(ownedDataDir, { recursive: true, force: true });
  }
  started.clear();
}

// The last resort when a test forgets to stop a process, or fails before it could: nothing
// may outlive the test file. Registered at import, so it runs after the importing file's own
// afterAll hooks. (exit-with-parent.ts covers a runner that is killed outright.)
afterAll(killAllHerald);
process.once('exit', killAllHerald);

/** A TCP port that nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Starts `src/main.ts` as a child process and resolves once it answers /readyz (or, without the api role, once its database is ready). */
export async function startHerald(options: StartHeraldOptions = {}): Promise<HeraldProcess> {
  const port = await freePort();
  const ownedDataDir = options.dataDir ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'herald-process-'));
  const dataDir = options.dataDir ?? ownedDataDir!;
  let adminEmail = options.adminEmail ?? 'admin@example.com';
  let adminPassword = options.adminPassword ?? `pw-${crypto.randomBytes(9).toString('base64url')}`;
  const roles = options.roles ?? 'api,scheduler,worker';
  const url = `http://127.0.0.1:${port}`;

  // The runner's own Herald settings (HERALD_TEST_DRIVER, a developer's DATABASE_URL…) must
  // not leak into the process under test: it gets exactly what the test asks for.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(HERALD_|DATABASE_URL$|SMTP_|PORT$|HOST$|LOG_LEVEL$|NODE_OPTIONS$)/.test(key)),
  );
  const env: Record<string, string | undefined> = {
    ...inherited,
    PORT: String(port),
    HOST: '127.0.0.1',
    HERALD_PUBLIC_URL: url,
    HERALD_DATA_DIR: dataDir,
    HERALD_ROLES: roles,
    ...(options.hasDefaultAdmin ? {} : { HERALD_ADMIN_EMAIL: adminEmail, HERALD_ADMIN_PASSWORD: adminPassword }),
    HERALD_SECRET: 'test-secret-test-secret-test-secret',
    LOG_LEVEL: 'info',
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    ...options.env,
  };

  // One node process (not the tsx CLI, which would put a second process in between), so
  // that kill9() kills Herald itself and not a wrapper.
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', exitWithParent, 'src/main.ts'], {
    cwd: serverDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const entry: Started = { child, ownedDataDir };
  started.add(entry);

  const lines: string[] = [];
  const logWaiters = new Set<{ pattern: RegExp; resolve: (line: string) => void }>();
  const onLine = (line: string) => {
    lines.push(line);
    if (lines.length > keptLogLines) lines.shift();
    for (const waiter of logWaiters) {
      if (waiter.pattern.test(line)) {
        logWaiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  };
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) if (line.trim()) onLine(line);
    });
  }
  const logs = () => lines.join('\n');
  const describe = () => `Herald process ${child.pid} (${roles}) on ${url}`;

  const waitForLog = (pattern: RegExp, timeoutMs = 30_000): Promise<string> => {
    const seen = lines.find((line) => pattern.test(line));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        pattern,
        resolve: (line: string) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      const timer = setTimeout(() => {
        logWaiters.delete(waiter);
        reject(new Error(`${describe()} logged nothing matching ${pattern} within ${timeoutMs} ms. Its logs:\n${logs()}`));
      }, timeoutMs);
      logWaiters.add(waiter);
    });
  };

  const cleanUp = () => {
    started.delete(entry);
    if (ownedDataDir) fs.rmSync(ownedDataDir, { recursive: true, force: true });
  };

  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (!hasExited(child)) {
      child.kill(signal);
      // main.ts gives itself 30 s to finish claimed deliveries; beyond that it is stuck.
      if (!(await waitForExit(child, 40_000))) {
        child.kill('SIGKILL');
        await waitForExit(child, 5_000);
      }
    }
    cleanUp();
    return child.exitCode;
  };

  const kill9 = async (): Promise<void> => {
    if (!hasExited(child)) {
      child.kill('SIGKILL');
      await waitForExit(child, 5_000);
    }
    // The data directory stays (a restart on it is usually the point of a crash test) until
    // the file ends: killAllHerald removes it.
  };

  let cookie: string | undefined;
  const api = async <T>(method: string, apiPath: string, body?: unknown): Promise<ApiResponse<T>> => {
    if (!cookie) {
      const login = await fetch(`${url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: adminEmail, password: adminPassword }),
      });
      if (login.status !== 200) throw new Error(`${describe()}: sign-in as ${adminEmail} answered ${login.status}: ${await login.text()}`);
      cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    }
    const response = await fetch(`${url}${apiPath}`, {
      method,
      headers: { cookie: cookie ?? '', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed as T };
  };

  try {
    await waitUntilReady({ child, url, isApi: roles.split(',').map((r) => r.trim()).includes('api'), waitForLog, timeoutMs: options.readyTimeoutMs ?? 60_000 });
    if (options.hasDefaultAdmin) {
      // The line a newcomer reads in the terminal, e.g. "created the first admin: admin@localhost with password …".
      const line = await waitForLog(/created the first admin: \S+ with password \S+/, 5_000);
      const [, email, password] = /created the first admin: (\S+) with password (\S+)/.exec(line) ?? [];
      adminEmail = email ?? adminEmail;
      adminPassword = password ?? adminPassword;
    }
  } catch (error) {
    await stop('SIGKILL');
    throw new Error(`${describe()} did not become ready: ${error instanceof Error ? error.message : String(error)}\nIts logs:\n${logs()}`, { cause: error });
  }

  return { url, port, adminEmail, adminPassword, dataDir, process: child, logs, waitForLog, api, stop, kill9 };
}

type ReadyCheck = {
  child: ChildProcess;
  url: string;
  isApi: boolean;
  waitForLog: (pattern: RegExp, timeoutMs?: number) => Promise<string>;
  timeoutMs: number;
};

async function waitUntilReady({ child, url, isApi, waitForLog, timeoutMs }: ReadyCheck): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  if (!isApi) {
    // Without the api role nothing listens; the process says when its database is ready.
    const exited = new Promise<never>((_resolve, reject) => child.once('exit', (code) => reject(new Error(`exited with code ${code}`))));
    await Promise.race([waitForLog(/database ready/, timeoutMs), exited]);
    return;
  }
  while (Date.now() < deadline) {
    if (hasExited(child)) throw new Error(`exited with code ${child.exitCode ?? child.signalCode}`);
    try {
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no 200 from ${url}/readyz within ${timeoutMs} ms`);
}

export type TestSchema = {
  /** the schema's name */
  name: string;
  /** TEST_DATABASE_URL with `options=-c search_path=<name>`: every connection of a child process lands in the schema */
  databaseUrl: string;
  /** drops the schema and everything in it */
  drop: () => Promise<void>;
};

/** Creates an empty PostgreSQL schema for Herald processes to share; the URL carries the search_path, so Herald needs no setting for it. */
export async function createTestSchema(baseUrl = process.env.TEST_DATABASE_URL): Promise<TestSchema> {
  if (!baseUrl) throw new Error('createTestSchema needs TEST_DATABASE_URL');
  const name = `p_${crypto.randomBytes(6).toString('hex')}`;
  const run = async (statement: string) => {
    const client = new pg.Client({ connectionString: baseUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE SCHEMA ${name}`);
  const separator = baseUrl.includes('?') ? '&' : '?';
  return {
    name,
    databaseUrl: `${baseUrl}${separator}options=${encodeURIComponent(`-c search_path=${name}`)}`,
    drop: () => run(`DROP SCHEMA IF EXISTS ${name} CASCADE`),
  };
}

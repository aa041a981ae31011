import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../config.ts';
import { serveWeb } from './serve-web.ts';

describe('serving the built web UI', () => {
  let dir: string;
  let app: FastifyInstance;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-web-'));
    fs.mkdirSync(path.join(dir, 'assets'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><script type="module" src="/assets/index-old.js"></script>');
    fs.writeFileSync(path.join(dir, 'assets/index-old.js'), 'console.log("old")');
    app = Fastify();
    await serveWeb(app, { webDir: dir } as Config);
  });

  afterAll(async () => {
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers client routes with index.html and files with themselves', async () => {
    const route = await app.inject({ method: 'GET', url: '/schedules/8d1c9c2e-0f4e-4f0b-9d7e-2f1d1b1f0c11?tab=runs' });
    expect(route.statusCode).toBe(200);
    expect(route.headers['content-type']).toMatch(/^text\/html/);
    const asset = await app.inject({ method: 'GET', url: '/assets/index-old.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.body).toBe('console.log("old")');
  });

  it('serves a UI rebuilt while it runs: the new index.html and its new assets', async () => {
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><script type="module" src="/assets/index-new.js"></script>');
    fs.writeFileSync(path.join(dir, 'assets/index-new.js'), 'console.log("new")');
    expect((await app.inject({ method: 'GET', url: '/' })).body).toContain('index-new.js');
    const asset = await app.inject({ method: 'GET', url: '/assets/index-new.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.body).toBe('console.log("new")');
  });

  it('has the favicon the UI names, which the build copies to its root', () => {
    const web = path.resolve(import.meta.dirname, '../../../web');
    expect(fs.readFileSync(path.join(web, 'index.html'), 'utf8')).toContain('<link rel="icon" type="image/svg+xml" href="/favicon.svg" />');
    expect(fs.readFileSync(path.join(web, 'public/favicon.svg'), 'utf8')).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  });

  it('answers 404 for a missing asset, never index.html in its place', async () => {
    const missing = await app.inject({ method: 'GET', url: '/assets/index-gone.js' });
    expect(missing.statusCode).toBe(404);
    expect(missing.body).not.toContain('<!doctype html>');
  });

  it('serves nothing outside its folder', async () => {
    fs.writeFileSync(path.join(path.dirname(dir), 'herald-web-secret.txt'), 'the content of a file outside');
    for (const url of [`/../${path.basename(dir)}-x/../herald-web-secret.txt`, '/%2e%2e/herald-web-secret.txt', '/assets/..%2f..%2fherald-web-secret.txt']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(response.body, url).not.toContain('the content of a file outside');
    }
    fs.rmSync(path.join(path.dirname(dir), 'herald-web-secret.txt'));
  });

  it('leaves API paths to the API: a JSON 404', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/nothing.json' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});

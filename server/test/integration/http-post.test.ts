import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpErrorFailure } from '../../src/channels/http-failure.ts';
import { createHttpClient, type HttpClient, type HttpClientOptions } from '../../src/channels/http-post.ts';
import { freePort } from '../support/herald-process.ts';

/** A loopback receiver whose answer each test picks by path. */
let server: http.Server;
let baseUrl: string;
let connections = 0;
const big = 'x'.repeat(1024 * 1024);

beforeAll(async () => {
  server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      if (path.startsWith('/echo')) {
        const body = Buffer.concat(chunks);
        response.writeHead(200, { 'content-type': 'application/octet-stream', 'x-path': path });
        response.end(body.toString('hex'));
      } else if (path === '/ok') {
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': '15' });
        response.end('{"sid":"SM123"}');
      } else if (path === '/ok-chunked') {
        response.writeHead(201, { 'content-type': 'text/plain' });
        response.write('part one, ');
        response.end('part two');
      } else if (path === '/empty') {
        response.writeHead(204);
        response.end();
      } else if (path === '/big-announced') {
        response.writeHead(500, { 'content-length': String(big.length) });
        response.end(big);
      } else if (path === '/big-chunked') {
        // two writes: no length to announce, so the body goes chunked
        response.writeHead(200);
        response.write(big.slice(0, 1000));
        response.end(big.slice(1000));
      } else {
        response.writeHead(422, { 'content-type': 'application/json', 'content-length': '22' });
        response.end('{"error":"bad number"}');
      }
    });
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

function post(path: string, successBody?: 'read' | 'discard') {
  return { url: `${baseUrl}${path}`, headers: { 'content-type': 'text/plain' }, body: 'hello', ...(successBody ? { successBody } : {}) };
}

/** Runs `use` with a fresh client and closes it after, whatever happens. */
async function withClient(options: HttpClientOptions, use: (client: HttpClient) => Promise<void>): Promise<void> {
  const client = createHttpClient(options);
  try {
    await use(client);
  } finally {
    await client.close();
  }
}

describe('createHttpClient', () => {
  it('reads a 2xx body by default, announced or chunked', async () => {
    await withClient({ connectionsPerHost: 1 }, async (client) => {
      expect(await client.post(post('/ok'))).toMatchObject({ status: 200, text: '{"sid":"SM123"}' });
      expect(await client.post(post('/ok-chunked'))).toMatchObject({ status: 201, text: 'part one, part two' });
      expect(await client.post(post('/empty'))).toMatchObject({ status: 204, text: '' });
    });
  });

  it('discards a 2xx body when asked, on the same kept-alive connection', async () => {
    const before = connections;
    await withClient({ connectionsPerHost: 1 }, async (client) => {
      for (let index = 0; index < 5; index += 1) {
        expect(await client.post(post('/ok', 'discard'))).toMatchObject({ status: 200, text: '' });
        expect(await client.post(post('/ok-chunked', 'discard'))).toMatchObject({ status: 201, text: '' });
      }
      expect(connections - before).toBe(1);
    });
  });

  it('reads a refusal even when 2xx bodies are discarded', async () => {
    await withClient({}, async (client) => {
      const response = await client.post(post('/refused', 'discard'));
      expect(response).toMatchObject({ status: 422, text: '{"error":"bad number"}' });
      expect(response.headers['content-type']).toBe('application/json');
    });
  });

  it('reads at most 16 KiB of a large body, announced or not, and discards a large one it does not need', async () => {
    await withClient({}, async (client) => {
      const announced = await client.post(post('/big-announced', 'discard'));
      expect(announced.status).toBe(500);
      expect(announced.text).toBe('x'.repeat(16 * 1024));
      const chunked = await client.post(post('/big-chunked'));
      expect(chunked.text).toBe('x'.repeat(16 * 1024));
      expect(await client.post(post('/big-chunked', 'discard'))).toMatchObject({ status: 200, text: '' });
      // the client still works after giving up on those bodies
      expect(await client.post(post('/ok'))).toMatchObject({ status: 200, text: '{"sid":"SM123"}' });
    });
  });

  it('answers every post of a burst made in one turn, each with its own answer, bytes intact', async () => {
    await withClient({ connectionsPerHost: 8 }, async (client) => {
      const bytes = Buffer.from([0, 1, 2, 250, 255, 13, 10]);
      const answers = await Promise.all(Array.from({ length: 300 }, (_, index) =>
        client.post({ url: `${baseUrl}/echo/${index}`, headers: { 'content-type': 'application/octet-stream' }, body: index % 2 === 0 ? bytes : `text ${index}` })));
      answers.forEach((answer, index) => {
        expect(answer.status).toBe(200);
        expect(answer.headers['x-path']).toBe(`/echo/${index}`);
        expect(answer.text).toBe(index % 2 === 0 ? bytes.toString('hex') : Buffer.from(`text ${index}`).toString('hex'));
      });
    });
  });

  it('rejects a request that gets no answer with the error\'s code, as the failure rules read it', async () => {
    const closedPort = await freePort();
    await withClient({ timeoutMs: 2000 }, async (client) => {
      const refused = await client.post({ ...post('/ok'), url: `http://127.0.0.1:${closedPort}/hook` }).then(() => undefined, (error: unknown) => error);
      expect(refused).toBeInstanceOf(Error);
      const failure = httpErrorFailure(refused);
      expect(failure).toMatchObject({ isTransient: true });
      expect(failure.error).toMatch(/ECONNREFUSED/);

      const notUrl = await client.post({ ...post('/ok'), url: 'not a url' }).then(() => undefined, (error: unknown) => error);
      expect(httpErrorFailure(notUrl)).toMatchObject({ isTransient: false, error: expect.stringMatching(/ERR_INVALID_URL/) });
      await expect(client.post({ ...post('/ok'), url: 'ftp://127.0.0.1/file' })).rejects.toThrow('not an http(s) URL: ftp:');
      // a post that cannot cross to the thread fails alone
      const [uncloneable, beside] = await Promise.allSettled([
        client.post({ ...post('/ok'), headers: { 'x-bad': (() => 'no') as unknown as string } }),
        client.post(post('/ok')),
      ]);
      expect(uncloneable).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ name: 'DataCloneError' }) });
      expect(beside).toMatchObject({ status: 'fulfilled' });
      // the thread goes on after failures
      expect(await client.post(post('/ok'))).toMatchObject({ status: 200 });
    });
  });

  it('finishes what is in flight when closed, then refuses new posts; a client never used closes at once', async () => {
    const client = createHttpClient({});
    const inFlight = client.post(post('/ok'));
    await client.close();
    expect(await inFlight).toMatchObject({ status: 200, text: '{"sid":"SM123"}' });
    await expect(client.post(post('/ok'))).rejects.toThrow('the HTTP client is closed');
    await createHttpClient({}).close();
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { Config } from '../config.ts';

const defaultWebDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

/**
 * Serves the built web UI on the API's port; unknown non-API paths get index.html (client
 * routing). A path that names a file (it has an extension: no client route does) is looked
 * up on disk at each request, so a UI rebuilt while Herald runs is served whole (its new
 * hashed assets were not there when the static routes were made at start-up), and a missing
 * asset answers 404, not index.html as JavaScript.
 */
export async function serveWeb(app: FastifyInstance, config: Config): Promise<void> {
  const root = config.webDir ? path.resolve(config.webDir) : defaultWebDir;
  if (!fs.existsSync(path.join(root, 'index.html'))) {
    app.log.warn(`web UI not built (${root}/index.html missing): run "npm run build"`);
    return;
  }
  await app.register(fastifyStatic, { root, wildcard: false, index: ['index.html'] });
  // A catch-all GET route rather than a second not-found handler: the error handler owns
  // that one, and Fastify allows only one per prefix.
  app.get('/*', { schema: { hide: true } }, (request, reply) => {
    const isApi = /^\/(api|docs|t|healthz|readyz|metrics)(\/|$)/.test(request.url);
    const pathname = request.url.split('?')[0]!;
    if (!isApi && /\.[a-z0-9]+$/i.test(pathname)) return reply.sendFile(pathname);
    if (!isApi) return reply.type('text/html').sendFile('index.html');
    return reply.status(404).send({ error: { code: 'not_found', message: `No route ${request.method} ${request.url.split('?')[0]}` } });
  });
}

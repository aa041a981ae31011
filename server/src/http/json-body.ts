import type { FastifyInstance } from 'fastify';

/**
 * JSON bodies, as Fastify reads them, except that an empty one is no body at all: a client that
 * sends `content-type: application/json` on every request can still POST an action that takes
 * no body (send now, pause, retry), and a route that needs one answers `body: is required`
 * rather than Fastify's "Body cannot be empty". Everything else goes to Fastify's own parser,
 * with its refusal of `__proto__` and `constructor.prototype` keys.
 */
export function registerJsonBody(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    void parseJson(request, text, done);
  });
}

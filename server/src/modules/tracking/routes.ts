/**
 * Tracking, open to the world: mail clients fetch the pixel and follow the links, people
 * unsubscribe, SMS providers report delivery. No sign-in; every URL carries its own proof
 * (an HMAC of what it names, see tokens.ts) or, for providers, a signed request.
 *
 * Token routes use a wildcard (`/t/c/*`) rather than a `:token` parameter: a click token
 * holds the whole destination URL, far past the router's 100-character limit on parameters.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { fieldError } from '../../lib/errors.ts';
import { registerFormParsers } from './form-body.ts';
import { redirectTarget } from './instrument.ts';
import { trackingPaths } from './paths.ts';
import { judgeClick, judgeOpen, type MachineVerdict, type TrafficSignal } from './machine-traffic.ts';
import { invalidLinkPage, sendPage, wantsHtml } from './pages.ts';
import { recordClick, recordOpen, type Fetcher } from './record-events.ts';
import { smsStatusRoutes } from './sms-status-routes.ts';
import { tokenFailureMessage, verifyToken } from './tokens.ts';
import { unsubscribeRoutes } from './unsubscribe-routes.ts';

/** The smallest transparent GIF (1x1, 43 bytes). */
export const transparentGif = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/** Every fetch of the pixel must reach Herald: a cached pixel is an open never seen. */
const noCacheHeaders = {
  'cache-control': 'no-store, no-cache, must-revalidate, private, max-age=0',
  pragma: 'no-cache',
  expires: '0',
} as const;

const tokenParams = z.object({ '*': z.string().describe('the signed token') });
const tags = ['tracking'];

/** The open pixel, signed click redirects, unsubscribe pages and SMS status callbacks. */
export const trackingRoutes: FastifyPluginAsyncZod = async (app) => {
  const { database } = app.herald;
  const { signingKey } = app.herald.secrets;
  registerFormParsers(app);

  app.get(`${trackingPaths.open}*`, {
    schema: {
      tags,
      summary: 'The open pixel of an email: a 1x1 transparent GIF, always, even for a bad token',
      description: 'A valid token records an `opened` event once per delivery with `isMachine` (privacy proxy, scanner, or a fetch right after sending); a machine open may be followed by one human open. A bad token records nothing.',
      params: tokenParams,
      response: { 200: z.instanceof(Buffer).describe('image/gif') },
    },
  }, async (request, reply) => {
    const token = request.params['*'].replace(/\.gif$/, '');
    const check = verifyToken('open', token, signingKey);
    if (check.ok) {
      const { d: deliveryId, t: issuedAt } = check.payload;
      await recordOpen(database, deliveryId, fetcherOf(request, issuedAt, judgeOpen));
    }
    return reply.headers({ ...noCacheHeaders, 'content-type': 'image/gif' }).send(transparentGif);
  });

  app.get(`${trackingPaths.click}*`, {
    schema: {
      tags,
      summary: 'A tracked link: records the click and redirects to the original http(s) URL',
      description: 'A tampered, foreign or malformed token is refused with 400 (field `token`, rule `signature`: a page for browsers, JSON otherwise) and never redirects. Only the signed URL is ever a target: nothing in the query string is read.',
      params: tokenParams,
      response: { 302: z.null().describe('redirect to the original URL (Location header)') },
    },
  }, async (request, reply) => {
    const check = verifyToken('click', request.params['*'], signingKey);
    // Signed links hold only http(s) URLs (instrument.ts), but a redirect is checked where it
    // happens: `javascript:` or `data:` must never leave this route whatever signed it.
    const target = check.ok ? redirectTarget(check.payload.u) : null;
    if (!check.ok || !target) {
      if (wantsHtml(request)) return sendPage(reply, 400, invalidLinkPage('link'));
      if (!check.ok) throw fieldError('token', 'signature', tokenFailureMessage[check.rule]);
      throw fieldError('token', 'url', 'leads to an address that is not http or https; Herald redirects only to web pages');
    }
    const { d: deliveryId, t: issuedAt } = check.payload;
    await recordClick(database, deliveryId, target, fetcherOf(request, issuedAt, judgeClick));
    return reply.headers({ 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).redirect(target, 302);
  });

  await app.register(unsubscribeRoutes);
  await app.register(smsStatusRoutes);
};

/** Who made this request and what they look like: a person, or software (machine-traffic.ts). */
function fetcherOf(request: FastifyRequest, issuedAt: number, judge: (signal: TrafficSignal) => MachineVerdict): Fetcher {
  const userAgent = request.headers['user-agent'];
  const ip = request.ip || null;
  const secondsSinceSent = Date.now() / 1000 - issuedAt;
  return { userAgent: userAgent ?? null, ip, secondsSinceSent, verdict: judge({ method: request.method, userAgent, ip, secondsSinceSent }) };
}

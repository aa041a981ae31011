import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError, type FieldIssue } from '../lib/errors.ts';

type ErrorBody = { error: { code: string; message: string; details?: unknown } };

/**
 * Shapes every error as `{ error: { code, message, details } }`. Validation errors name the
 * field and the rule; anything unexpected is logged and hidden behind a generic 500.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => {
    const body: ErrorBody = { error: { code: 'not_found', message: `No route ${request.method} ${request.url.split('?')[0]}` } };
    return reply.status(404).send(body);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AppError) {
      return reply.status(error.status).send({ error: { code: error.code, message: error.message, details: error.details } } satisfies ErrorBody);
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const issues: FieldIssue[] = error.validation.map((v) => {
        const where = error.validationContext ?? 'body';
        const pathParts = v.instancePath.split('/').filter(Boolean);
        const field = pathParts.length ? pathParts.join('.') : where;
        const rule = String(v.params?.issue && typeof v.params.issue === 'object' && 'code' in v.params.issue ? v.params.issue.code : v.keyword);
        // no body at all (an empty one reads as none, json-body.ts) reaches the check as null
        const isBodyMissing = where === 'body' && pathParts.length === 0 && (request.body === null || request.body === undefined);
        return { field, rule, message: isBodyMissing ? 'is required' : v.message ?? 'is invalid' };
      });
      const message = issues.map((i) => `${i.field}: ${i.message}`).join('; ');
      return reply.status(400).send({ error: { code: 'validation_failed', message, details: { issues } } } satisfies ErrorBody);
    }
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error, cause: error.cause }, 'response did not match its schema');
      return reply.status(500).send({ error: { code: 'internal', message: 'Internal server error' } } satisfies ErrorBody);
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'unexpected error');
      return reply.status(500).send({ error: { code: 'internal', message: 'Internal server error' } } satisfies ErrorBody);
    }
    if (status === 415) {
      // Named like a field: what the route takes (its schema's `consumes`, else JSON) and what came.
      const sent = String(request.headers['content-type'] ?? '').split(';')[0]!.trim() || 'none';
      const accepted = (request.routeOptions.schema as { consumes?: string[] } | undefined)?.consumes ?? ['application/json'];
      const message = `must be ${accepted.join(' or ')}, not ${sent}`;
      const issues: FieldIssue[] = [{ field: 'content-type', rule: 'unsupported_media_type', message }];
      return reply.status(415).send({ error: { code: 'unsupported_media_type', message: `content-type: ${message}`, details: { issues } } } satisfies ErrorBody);
    }
    // Fastify's own 4xx (bad JSON, body too large …)
    const code = status === 413 ? 'payload_too_large' : 'bad_request';
    return reply.status(status).send({ error: { code, message: error.message } } satisfies ErrorBody);
  });
}

/**
 * Form bodies for the routes that mail clients and SMS providers call: RFC 8058 allows the
 * one-click POST as `application/x-www-form-urlencoded` or `multipart/form-data`, and status
 * callbacks come urlencoded. Parsed here, inside the tracking plugin only, rather than with a
 * new dependency for the whole app: these routes need text fields and nothing else.
 */
import type { FastifyInstance } from 'fastify';
import type { FormParams } from './twilio-signature.ts';

/** Larger form bodies are refused: a one-click POST or a status callback is a few hundred bytes. */
export const formBodyLimit = 64 * 1024;

/** The fields of an urlencoded body; a repeated name keeps every value, in order. */
export function parseUrlEncoded(body: string): FormParams {
  const fields = emptyFields();
  for (const [name, value] of new URLSearchParams(body)) addField(fields, name, value);
  return fields;
}

/**
 * The text fields of a multipart/form-data body (RFC 7578); file parts are skipped. Null
 * when the content type names no boundary.
 */
export function parseMultipartText(body: string, contentType: string): FormParams | null {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const delimiter = boundary?.[1] ?? boundary?.[2];
  if (!delimiter) return null;
  const fields = emptyFields();
  for (const part of body.split(`--${delimiter}`).slice(1)) {
    if (part.startsWith('--')) break;
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd === -1) continue;
    const headers = part.slice(0, headerEnd);
    const disposition = /content-disposition:[^\r\n]*?\bname="([^"]*)"/i.exec(headers);
    if (!disposition || /\bfilename=/i.test(headers)) continue;
    // The part ends with the CRLF that precedes the next delimiter.
    addField(fields, disposition[1]!, part.slice(headerEnd + 4).replace(/\r\n$/, ''));
  }
  return fields;
}

/** The value of a field, the first when it was repeated. */
export function firstValue(fields: FormParams | undefined, name: string): string | undefined {
  const value = fields?.[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Teaches this plugin (and only it: Fastify encapsulates parsers) to read form bodies. */
export function registerFormParsers(app: FastifyInstance): void {
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: formBodyLimit }, (_request, body, done) => {
      done(null, parseUrlEncoded(String(body)));
    });
  }
  if (!app.hasContentTypeParser('multipart/form-data')) {
    app.addContentTypeParser('multipart/form-data', { parseAs: 'string', bodyLimit: formBodyLimit }, (request, body, done) => {
      const fields = parseMultipartText(String(body), request.headers['content-type'] ?? '');
      if (fields) return done(null, fields);
      const error = Object.assign(new Error('multipart/form-data without a boundary'), { statusCode: 400 });
      return done(error, undefined);
    });
  }
}

/** No prototype: a field named `__proto__` is a field like any other. */
function emptyFields(): FormParams {
  return Object.create(null) as FormParams;
}

function addField(fields: FormParams, name: string, value: string): void {
  const existing = fields[name];
  if (existing === undefined) fields[name] = value;
  else fields[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
}

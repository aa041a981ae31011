/**
 * An email as one buffer of RFC 5322 text: nodemailer's `MailComposer` makes the MIME tree
 * (headers, their encoding and folding, the parts, the boundaries, the transfer encoding each
 * part needs), and this writes the tree out in one pass with nodemailer's own encoders.
 *
 * Why not `MailComposer#build()`: it streams the tree, each part through a stream pipeline of
 * its own (a PassThrough, an encoder, an AbortController and the DOMException its end makes),
 * turn by turn through `setImmediate`. For the two text parts of an email that is 470–730 µs of
 * CPU, against 140 µs for the same bytes written here (docs/benchmarks.md), and it was the
 * largest part of an email's cost to the worker. The output is byte for byte `build()`'s
 * (compose-email.test.ts compares them), which stays the reference.
 *
 * Only what Herald sends is accepted: text and HTML given as strings, no attachments, no
 * streams, files or URLs to read, no DKIM or line-ending transforms, so the tree never holds
 * anything that must be read first.
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import type MimeNode from 'nodemailer/lib/mime-node';
import * as base64 from 'nodemailer/lib/base64';
import * as qp from 'nodemailer/lib/qp';
import type { SmtpEnvelope } from './smtp-pool.ts';

type Address = string | { name: string; address: string };

export type EmailParts = {
  from: string;
  to: Address;
  subject: string;
  html: string;
  text?: string;
  /** with its angle brackets: `<id@host>` */
  messageId: string;
  headers: Record<string, string>;
};

export type ComposedEmail = { envelope: SmtpEnvelope; message: Buffer };

/** Composes an email: its SMTP envelope and its bytes. */
export function composeEmail(parts: EmailParts): ComposedEmail {
  const root = new MailComposer(parts).compile();
  return { envelope: root.getEnvelope(), message: writeMimeTree(root) };
}

/** The bytes `root.build()` gives for a tree of text parts, written in one pass. */
export function writeMimeTree(root: MimeNode): Buffer {
  const text = writeNode(root);
  // build() ends every message with a line break (nodemailer's LastNewline)
  return Buffer.from(text.endsWith('\n') ? text : `${text}${text.endsWith('\r') ? '\n' : '\r\n'}`);
}

/** A node's headers, its content in its transfer encoding, then its children between boundaries, as MimeNode#stream() writes them. */
function writeNode(node: MimeNode): string {
  let text = `${node.buildHeaders()}\r\n\r\n${encodeContent(node)}`;
  if (node.multipart) {
    node.childNodes.forEach((child, index) => {
      text += `${index > 0 ? '\r\n' : ''}--${node.boundary}\r\n${writeNode(child)}`;
    });
    text += `\r\n--${node.boundary}--\r\n`;
  }
  return text;
}

function encodeContent(node: MimeNode): string {
  const { content } = node;
  if (content === undefined || content === '') return '';
  if (typeof content !== 'string') throw new Error('composeEmail takes text content only');
  switch (node.getTransferEncoding()) {
    case 'quoted-printable':
      // the stream encoder treats lone CR/LF outside text/* as data; only text comes here
      return qp.wrap(qp.encode(content), 76);
    case 'base64':
      return base64.wrap(base64.encode(content), 76);
    default:
      return content;
  }
}

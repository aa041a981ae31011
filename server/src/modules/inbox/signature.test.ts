import { describe, expect, it } from 'vitest';
import { sign } from '../../lib/secrets.ts';
import { inboxSignature, isInboxSignatureValid } from './signature.ts';

const key = Buffer.alloc(32, 7);

describe('inbox signature', () => {
  it.each([
    { name: 'the signature of the same externalId', externalId: 'user-1', signature: inboxSignature(key, 'user-1'), expected: true },
    { name: 'another user\'s signature', externalId: 'user-1', signature: inboxSignature(key, 'user-2'), expected: false },
    { name: 'a signature made with another key', externalId: 'user-1', signature: inboxSignature(Buffer.alloc(32, 8), 'user-1'), expected: false },
    { name: 'a signature of the bare externalId (another purpose of the key)', externalId: 'user-1', signature: sign(key, 'user-1'), expected: false },
    { name: 'an empty signature', externalId: 'user-1', signature: '', expected: false },
    { name: 'a truncated signature', externalId: 'user-1', signature: inboxSignature(key, 'user-1').slice(0, 20), expected: false },
  ])('$name → $expected', ({ externalId, signature, expected }) => {
    expect(isInboxSignatureValid(key, externalId, signature)).toBe(expected);
  });
});

import { describe, expect, it } from 'vitest';
import { smsStatusEffect } from './sms-status.ts';

describe('smsStatusEffect', () => {
  it.each([
    ['queued', undefined, { kind: 'ignore' }],
    ['accepted', undefined, { kind: 'ignore' }],
    ['sending', undefined, { kind: 'ignore' }],
    ['sent', undefined, { kind: 'ignore' }],
    ['delivered', undefined, { kind: 'delivered' }],
    ['DELIVERED', undefined, { kind: 'delivered' }],
    ['undelivered', '30003', { kind: 'not-delivered', eventType: 'bounced', reason: 'SMS provider: undelivered (error 30003: unreachable handset)' }],
    ['undelivered', '', { kind: 'not-delivered', eventType: 'bounced', reason: 'SMS provider: undelivered' }],
    ['failed', '30007', { kind: 'not-delivered', eventType: 'failed', reason: 'SMS provider: failed (error 30007: filtered by the carrier)' }],
    ['failed', '99999', { kind: 'not-delivered', eventType: 'failed', reason: 'SMS provider: failed (error 99999)' }],
    ['failed', undefined, { kind: 'not-delivered', eventType: 'failed', reason: 'SMS provider: failed' }],
    ['something-new', undefined, { kind: 'ignore' }],
  ])('%s with error %s', (status, errorCode, expected) => {
    expect(smsStatusEffect(status, errorCode)).toEqual(expected);
  });
});

/**
 * The instance's VAPID key pair (RFC 8292): push services accept a message only when its
 * JWT is signed by the key the browser subscribed with, so the pair is generated once, on
 * first start, kept in the settings table for every process, and never changed (changing it
 * would orphan every subscription). The public key is public; the private key never leaves.
 */
import webpush from 'web-push';
import type { Database } from '../db/client.ts';
import { loadGeneratedSetting } from './generated-setting.ts';

export type VapidKeys = { publicKey: string; privateKey: string };

const settingKey = 'vapid_keys';

function isVapidKeys(value: unknown): value is VapidKeys {
  if (typeof value !== 'object' || value === null) return false;
  const keys = value as Record<string, unknown>;
  return typeof keys.publicKey === 'string' && typeof keys.privateKey === 'string';
}

/** The VAPID keys, generated and stored on first call. */
export function loadVapidKeys(database: Database): Promise<VapidKeys> {
  return loadGeneratedSetting(database, settingKey, () => webpush.generateVAPIDKeys(), isVapidKeys);
}

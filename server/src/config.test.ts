import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('accepts the documented default admin, admin@localhost, when it is set explicitly', () => {
    expect(loadConfig({}).adminEmail).toBe('admin@localhost');
    expect(loadConfig({ HERALD_ADMIN_EMAIL: 'admin@localhost' }).adminEmail).toBe('admin@localhost');
  });

  it('names a variable that is not an email address', () => {
    expect(() => loadConfig({ HERALD_ADMIN_EMAIL: 'admin' })).toThrow(/HERALD_ADMIN_EMAIL: must be an email address/);
  });
});

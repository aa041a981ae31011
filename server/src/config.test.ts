import { describe, expect, it } from 'vitest';
import { defaultWorkerBatchSize, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('accepts the documented default admin, admin@localhost, when it is set explicitly', () => {
    expect(loadConfig({}).adminEmail).toBe('admin@localhost');
    expect(loadConfig({ HERALD_ADMIN_EMAIL: 'admin@localhost' }).adminEmail).toBe('admin@localhost');
  });

  it('names a variable that is not an email address', () => {
    expect(() => loadConfig({ HERALD_ADMIN_EMAIL: 'admin' })).toThrow(/HERALD_ADMIN_EMAIL: must be an email address/);
  });

  it('leaves the batch size to the database unless told: larger on embedded PGlite, whose statements cost more each', () => {
    expect(loadConfig({}).workerBatchSize).toBeUndefined();
    expect(defaultWorkerBatchSize).toEqual({ postgres: 200, pglite: 1000 });
    expect(loadConfig({ HERALD_WORKER_BATCH_SIZE: '50' }).workerBatchSize).toBe(50);
    expect(() => loadConfig({ HERALD_WORKER_BATCH_SIZE: '0' })).toThrow(/HERALD_WORKER_BATCH_SIZE/);
  });
});

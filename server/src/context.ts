import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { Database } from './db/client.ts';
import { loadSecrets, type Secrets } from './lib/secrets.ts';
import { createMetrics, type Metrics } from './lib/metrics.ts';
import { InboxHub } from './modules/inbox/hub.ts';

/** What the HTTP routes and the engine share in one process. */
export type HeraldContext = {
  config: Config;
  database: Database;
  secrets: Secrets;
  metrics: Metrics;
  inboxHub: InboxHub;
  logger: Logger;
};

export async function createContext(config: Config, database: Database, logger: Logger): Promise<HeraldContext> {
  return {
    config,
    database,
    secrets: await loadSecrets(database, config),
    metrics: createMetrics(database),
    inboxHub: new InboxHub(database),
    logger,
  };
}

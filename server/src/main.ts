/**
 * The `herald` process. By default it runs every role (api, scheduler, worker) on the
 * embedded database; with DATABASE_URL set, HERALD_ROLES picks the roles of this process so
 * any number of processes can share one PostgreSQL.
 */
import pino from 'pino';
import { loadConfig } from './config.ts';
import { openDatabase } from './db/client.ts';
import { DataDirLockedError } from './db/data-dir-lock.ts';
import { migrate } from './db/migrate.ts';
import { createContext } from './context.ts';
import { buildApp } from './app.ts';
import { bootstrapAdmin } from './modules/auth/service.ts';
import { startEngine } from './engine/index.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = pino({
    level: config.logLevel,
    redact: ['req.headers.authorization', 'req.headers.cookie', 'smtpUrl', 'password'],
  });
  let database;
  try {
    database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      logger.fatal(error.message);
      process.exit(1);
    }
    throw error;
  }
  await migrate(database);
  logger.info({ driver: database.driver, roles: config.roles, ...(database.driver === 'pglite' ? { dataDir: config.dataDir } : {}) }, 'database ready');

  const admin = await bootstrapAdmin(database.db, config.adminEmail, config.adminPassword);
  if (admin?.generatedPassword) {
    // Printed once, on the first start only: there is no other way to learn it.
    logger.warn(`created the first admin: ${admin.email} with password ${admin.generatedPassword} (shown once; change it in Settings)`);
  } else if (admin) {
    logger.info(`created the first admin: ${admin.email}`);
  }

  const context = await createContext(config, database, logger);
  const engine = startEngine(context);
  const app = config.roles.includes('api') ? await buildApp({ context }) : null;
  if (app) {
    await app.listen({ port: config.port, host: config.host });
    logger.info(`Herald is listening on ${config.publicUrl}`);
  }

  let isStopping = false;
  const stop = async (signal: string) => {
    if (isStopping) return;
    isStopping = true;
    logger.info({ signal }, 'shutting down: finishing claimed deliveries');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, 30_000);
    force.unref();
    await app?.close();
    await engine.stop();
    await database.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

import { defineConfig } from 'vitest/config';

const hasPostgres = Boolean(process.env.TEST_DATABASE_URL);

/**
 * Projects:
 *  - unit: pure decisions, no I/O
 *  - @herald/web: the web's unit tests (web/vitest.config.ts)
 *  - pglite: integration through app.inject() on an in-memory PGlite
 *  - postgres: the same integration files on real PostgreSQL, plus the concurrency and
 *    reliability suites (only when TEST_DATABASE_URL is set)
 *  - browser: Playwright driving Debian's Chromium against a running Herald
 */
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['src/**/*.test.ts'], environment: 'node' } },
      // The web's unit tests keep their own config beside them; one run reports them all.
      '../web/vitest.config.ts',
      {
        test: {
          name: 'pglite',
          include: ['test/integration/**/*.test.ts'],
          env: { HERALD_TEST_DRIVER: 'pglite' },
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      ...(hasPostgres
        ? [
            {
              test: {
                name: 'postgres',
                include: ['test/integration/**/*.test.ts', 'test/postgres/**/*.test.ts'],
                env: { HERALD_TEST_DRIVER: 'postgres' },
                testTimeout: 120_000,
                hookTimeout: 120_000,
                fileParallelism: false,
              },
            },
          ]
        : []),
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});

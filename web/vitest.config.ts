import { defineConfig } from 'vitest/config';

/** Unit tests of the web's pure decisions (form ↔ payload, error placement); no browser needed. */
export default defineConfig({
  test: { include: ['src/**/*.test.ts'], environment: 'node' },
});

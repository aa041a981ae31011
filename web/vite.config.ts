import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  // @mantine/charts (latest 9.7.3) pins @mantine/core and hooks 9.7.3 as peers, so npm keeps a
  // second copy for it; one copy of each must serve the app, or charts find no MantineProvider.
  resolve: { dedupe: ['@mantine/core', '@mantine/hooks'] },
  server: {
    proxy: { '/api': 'http://localhost:3000', '/docs': 'http://localhost:3000', '/t': 'http://localhost:3000' },
  },
  build: { outDir: 'dist', sourcemap: true, chunkSizeWarningLimit: 2000 },
});

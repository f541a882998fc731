import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The api serves the built files at /console (apps/api, console-routes.ts): every asset is local.
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1024 },
  // `npm run dev -w @flowline/console` proxies the api of `npm start`.
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});

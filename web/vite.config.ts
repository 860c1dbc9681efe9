import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// Built from the repo root (`vite build --config web/vite.config.ts`); the Worker serves web/dist as static assets.
export default defineConfig({
  root,
  plugins: [preact({ prerender: { enabled: false } })],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
  },
  server: {
    // `vite dev` against a running `npm start`: the API, auth and dev routes live on the Worker.
    proxy: Object.fromEntries(
      ['/api', '/auth', '/dev', '/l'].map((p) => [p, process.env.API_ORIGIN ?? 'http://127.0.0.1:8787']),
    ),
  },
});

import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

/** Where `npm run dev:web` sends API, glyph and tile requests (the platform server). */
const apiTarget = process.env.PINGAN_API_URL ?? 'http://127.0.0.1:8787';
const proxied = { target: apiTarget, changeOrigin: false };

export default defineConfig({
  root: fileURLToPath(new URL('./web', import.meta.url)),
  plugins: [svelte({ compilerOptions: { runes: true } })],
  build: {
    outDir: fileURLToPath(new URL('./dist/web', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    host: '127.0.0.1',
    proxy: { '/api': proxied, '/glyphs': proxied, '/tiles': proxied },
  },
});

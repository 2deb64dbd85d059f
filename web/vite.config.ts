import { defineConfig } from 'vite';

// The built-in model and other assets come from the repo's assets/ folder.
export default defineConfig({
  base: './',
  publicDir: '../assets',
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 2048 },
});

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

const SERVICE_WORKER = 'sw.js';

/** The service worker gets a fixed name (the page registers `./sw.js`), the install manifest
 * and its icon are written beside the page, and once the build is on disk the worker learns the
 * files it keeps and a hash of them, its version (src/offline/serviceWorker.ts). */
function offline(): Plugin {
  let outDir = 'dist';
  return {
    name: 'bertplay-offline',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    generateBundle() {
      for (const name of ['manifest.webmanifest', 'icon.svg']) {
        this.emitFile({ type: 'asset', fileName: name, source: readFileSync(resolve(__dirname, 'src/offline', name)) });
      }
    },
    closeBundle() {
      const files = walk(outDir).filter((f) => f !== SERVICE_WORKER).sort();
      const hash = createHash('sha256');
      for (const f of files) hash.update(f).update(readFileSync(join(outDir, f)));
      const precache = { version: hash.digest('hex').slice(0, 16), files: ['./', ...files] };
      const path = join(outDir, SERVICE_WORKER);
      const code = readFileSync(path, 'utf8');
      if (!code.includes('__BERTPLAY_PRECACHE__')) throw new Error(`${SERVICE_WORKER} lost its precache placeholder`);
      writeFileSync(path, code.replace(/(['"])__BERTPLAY_PRECACHE__\1/, JSON.stringify(JSON.stringify(precache))));
    },
  };
}

/** Every file under `dir`, as paths relative to it with '/' separators. */
function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
}

// The built-in model and other assets come from the repo's assets/ folder.
export default defineConfig({
  base: './',
  publicDir: '../assets',
  worker: { format: 'es' },
  plugins: [offline()],
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 2048,
    rollupOptions: {
      input: { index: resolve(__dirname, 'index.html'), sw: resolve(__dirname, 'src/offline/serviceWorker.ts') },
      output: { entryFileNames: (chunk) => (chunk.name === 'sw' ? SERVICE_WORKER : 'assets/[name]-[hash].js') },
    },
  },
});

// A small static server for the built playground (web/dist) on 127.0.0.1. Used by the run
// command and the browser tests; `--mount /prefix=DIR` serves extra folders (test models).
// It serves only files inside its folders (links out of them are refused) and only to requests
// addressed to this machine.
//   node serve.mjs [--port 8080] [--mount /models=/path/to/models]
import { createServer } from 'node:http';
import { createReadStream, realpathSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.wasm': 'application/wasm', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8', '.md': 'text/plain; charset=utf-8', '.webmanifest': 'application/manifest+json',
};

/** Starts serving; resolves to the server once it listens (port 0 picks a free port). */
export function serve({ root, port = 8080, mounts = {} }) {
  const server = createServer((req, res) => {
    // Only requests addressed to this machine: a page elsewhere cannot reach the server through
    // a name that resolves here (DNS rebinding).
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(host)) return void res.writeHead(403).end();
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      return void res.writeHead(400).end();
    }
    const [prefix, dir] = Object.entries(mounts).find(([p]) => path === p || path.startsWith(p + '/')) ?? ['', root];
    const base = resolve(dir);
    const file = normalize(join(base, path.slice(prefix.length)));
    if (file !== base && !file.startsWith(base + sep)) return void res.writeHead(403).end();
    let target = file;
    try {
      if (statSync(target).isDirectory()) {
        // As static hosts do: a folder's address ends in '/', so the page's relative links resolve inside it.
        if (!path.endsWith('/')) return void res.writeHead(301, { location: `${path}/` }).end();
        target = join(target, 'index.html');
      }
      // A link inside the folder may point out of it: serve only what really lies inside.
      const real = realpathSync(target);
      const realBase = realpathSync(base);
      if (real !== realBase && !real.startsWith(realBase + sep)) return void res.writeHead(403).end();
      const size = statSync(target).size;
      res.writeHead(200, {
        'content-type': TYPES[extname(target)] ?? 'application/octet-stream',
        'content-length': size,
        'cache-control': 'no-cache',
      });
      createReadStream(target).on('error', () => res.destroy()).pipe(res);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
    }
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => ok(server));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  let port = 8080;
  const mounts = {};
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--port') port = Number(args[++i]);
    else if (args[i] === '--mount') {
      const [prefix, dir] = args[++i].split('=');
      mounts[prefix] = resolve(dir);
    }
  }
  const root = resolve(fileURLToPath(new URL('./dist', import.meta.url)));
  const server = await serve({ root, port, mounts });
  console.log(`BERT Playground: http://127.0.0.1:${server.address().port}/  (Ctrl+C stops it)`);
}

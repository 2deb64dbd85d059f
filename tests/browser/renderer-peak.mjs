// Runs a command and reports the peak resident memory of the Chromium renderer processes
// (tabs and their workers) it starts, polled every 200 ms: the peer harness in
// ../shared/peers/transformersjs measures time only, and bench.mjs reads our own tab's peak the
// same way (VmHWM), so the two memory figures compare.
//   node tests/browser/renderer-peak.mjs -- node ../shared/peers/transformersjs/run.js wasm-noiso
import { spawn } from 'node:child_process';
import { rendererPeakMb } from './harness.mjs';

const dash = process.argv.indexOf('--');
const [cmd, ...args] = process.argv.slice(dash < 0 ? 2 : dash + 1);
if (!cmd) {
  console.error('usage: node renderer-peak.mjs -- COMMAND [ARGS...]');
  process.exit(2);
}

let peak = 0;
const poll = setInterval(() => (peak = Math.max(peak, rendererPeakMb())), 200);
const child = spawn(cmd, args, { stdio: 'inherit' });
child.on('exit', (code) => {
  clearInterval(poll);
  console.error(`renderer peak RSS: ${peak} MB`);
  process.exit(code ?? 1);
});

// Starts real Chroma on a folder (a private copy: Chroma writes to what it opens) for the bench's
// workers, and waits until it answers. Chroma ignores SIGTERM: it is stopped with SIGKILL, also
// when the worker exits.
import { spawn } from 'node:child_process';

/** `{ pid, kill }` once Chroma's heartbeat answers on 127.0.0.1:`port`; throws after `limitMs`. */
export async function startChroma(chromaBin, dir, port, limitMs = 120_000) {
  const server = spawn(chromaBin, ['run', '--path', dir, '--host', '127.0.0.1', '--port', String(port)], { stdio: 'ignore', detached: true });
  const kill = () => {
    try {
      process.kill(-server.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  process.on('exit', kill);
  const t0 = performance.now();
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/api/v2/heartbeat`)).ok) return { pid: server.pid, kill };
    } catch {
      /* not listening yet */
    }
    if (performance.now() - t0 > limitMs) throw new Error('Chroma did not start');
    await new Promise((r) => setTimeout(r, 20));
  }
}

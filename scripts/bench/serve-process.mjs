// `serve` on a folder as its own process, for the bench rows measured through it.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** Starts `dist/cli.js serve folder` on `port`; resolves with the URL it prints (token included). */
export async function startServe(root, folder, port) {
  const server = spawn(process.execPath, [join(root, 'dist', 'cli.js'), 'serve', folder, '--port', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await new Promise((resolve, reject) => {
      let out = '';
      server.stdout.on('data', (d) => {
        out += d;
        const m = /open (http\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      server.on('exit', () => reject(new Error('serve exited')));
    });
    return { url, kill: () => server.kill('SIGKILL') };
  } catch (err) {
    server.kill('SIGKILL');
    throw err;
  }
}

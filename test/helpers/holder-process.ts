import { spawn, type ChildProcess } from 'node:child_process';

/**
 * A process holding `file` open, standing in for a Chroma server (Chroma takes no lock: an open
 * descriptor is all there is to find). Resolves once the file is open; kill() ends it and resolves
 * once it has ended (a process still dying holds the file for the next test's scan).
 */
export async function holdOpen(file: string): Promise<{ pid: number; kill: () => Promise<void>; process: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', `require('fs').openSync(${JSON.stringify(file)}, 'r'); console.log('open'); setInterval(() => {}, 1000);`], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the holder process ended (${code}) before opening ${file}`)));
  });
  const ended = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid!,
    kill: async () => {
      child.kill('SIGKILL');
      await ended;
    },
    process: child,
  };
}

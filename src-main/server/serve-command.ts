import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { EngineService } from '../service/engine-service.js';
import { createWorkerPool, defaultWorkerEntry, DEFAULT_CALL_TIMEOUT_MS } from '../service/worker-pool/worker-pool.js';
import { startInspectorServer } from './inspector-server.js';
import { isLoopbackHost } from './request-guard.js';
import { demoFolderPath, rendererRoot } from './app-paths.js';

export interface ServeArgs {
  folder: string | undefined;
  port: string | undefined;
  host: string | undefined;
  /** Listening beyond loopback must be asked for explicitly. */
  allowRemote?: boolean;
  /** `--call-timeout SECONDS`: the time limit of each read call (0 for none); default 30. */
  callTimeout?: string | undefined;
  /** `--root DIR` (repeatable): more folders a client may name paths in, beside the served folder's parent. */
  roots?: string[] | undefined;
}

/** What `--host` hands to anyone who can reach the port and holds the token. */
export const REMOTE_WARNING = `warning: serving beyond this machine. Anyone who can reach this address and holds the
printed token can: read every record, document, vector and the WAL of this folder; run filters,
vector queries and read-only SQL on it; switch writes on (naming the folder) and edit or delete its
records; and open other folders, back up, export, verify and restore, within the served folder's
parent and the --root folders. Prefer an SSH tunnel to a loopback server (ssh -L 8123:127.0.0.1:8123 host).`;

/** `chroma-inspector serve [folder]`: runs until interrupted. */
export async function runServeCommand(args: ServeArgs): Promise<number> {
  const folder = args.folder ? resolve(args.folder) : demoFolderPath();
  if (!existsSync(folder)) {
    process.stderr.write(`error [NOT_FOUND]: Folder ${folder} does not exist\n`);
    return 1;
  }
  const host = args.host ?? '127.0.0.1';
  if (!isLoopbackHost(host)) {
    if (!args.allowRemote) {
      process.stderr.write(`error [INVALID_ARGUMENT]: --host ${host} listens beyond this machine; add --allow-remote to do that on purpose\n`);
      return 2;
    }
    process.stderr.write(`${REMOTE_WARNING}\n`);
  }
  // Every path a client names stays inside these (links resolved first).
  const roots = [dirname(folder), ...(args.roots ?? []).map((r) => resolve(r))];
  const seconds = args.callTimeout === undefined ? DEFAULT_CALL_TIMEOUT_MS / 1000 : Number(args.callTimeout);
  if (!Number.isFinite(seconds) || seconds < 0) {
    process.stderr.write(`error [INVALID_ARGUMENT]: --call-timeout takes a number of seconds (0 for no limit), not ${args.callTimeout}\n`);
    return 2;
  }
  // The engine runs in worker threads so one slow call never freezes the server for everyone.
  // Run from sources (no build), the worker entry does not exist yet: the engine then runs here.
  const workerEntry = defaultWorkerEntry();
  const pool = existsSync(workerEntry) ? createWorkerPool({ defaultFolder: folder, roots, workerEntry, callTimeoutMs: seconds > 0 ? seconds * 1000 : null }) : null;
  const service = pool ? null : new EngineService({ defaultFolder: folder, roots });
  if (!pool) process.stderr.write('note: the engine worker is not built (npm run build): calls run on the server thread, without time limits\n');
  const settings = { staticRoot: rendererRoot(), host, port: args.port ? Number(args.port) : 8123 };
  const server = await startInspectorServer(pool ? { connect: pool.connect, ...settings } : { service: service!, ...settings });
  process.stdout.write(`Chroma Inspector is serving ${folder} (read-only until writes are enabled in the UI)\npaths clients may use: ${roots.join(', ')}\nopen ${server.url}\n`);
  await new Promise<void>((done) => {
    const stop = () => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  await pool?.close();
  await service?.closeAll();
  return 0;
}


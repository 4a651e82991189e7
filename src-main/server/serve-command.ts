import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { EngineService } from '../service/engine-service.js';
import { createWorkerPool, defaultWorkerEntry, DEFAULT_CALL_TIMEOUT_MS } from '../service/worker-pool/worker-pool.js';
import { startInspectorServer } from './inspector-server.js';
import { isLoopbackHost } from './request-guard.js';
import { demoFolderPath, rendererRoot } from './app-paths.js';
import { isServerUrl } from '../source/server/server-endpoint.js';
import { originOf, type ServerPolicy } from '../service/server-policy.js';

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
  /** `--server URL` (repeatable): Chroma servers clients may open when serving beyond loopback; they get the environment's credentials. */
  servers?: string[] | undefined;
  /** Scope of a served server URL. */
  tenant?: string | undefined;
  database?: string | undefined;
}

/** What `--host` hands to anyone who can reach the port and holds the token. */
export const REMOTE_WARNING = `warning: serving beyond this machine. Anyone who can reach this address and holds the
printed token can: read every record, document, vector and the WAL of this folder; run filters,
vector queries and read-only SQL on it; switch writes on (naming the folder) and edit or delete its
records; and open other folders, back up, export, verify and restore, within the served folder's
parent and the --root folders. Prefer an SSH tunnel to a loopback server (ssh -L 8123:127.0.0.1:8123 host).`;

/**
 * The servers a serve host lets clients open: while it listens on loopback, any (the person at
 * this machine could reach them anyway); beyond it, only those named on the command line, so a
 * remote client cannot use the host to reach other addresses. Only named servers get the
 * environment's credentials.
 */
export function servePolicy(args: { served: string | null; servers: readonly string[]; tenant?: string | undefined; database?: string | undefined }, loopback: boolean): ServerPolicy {
  for (const url of [...(args.served ? [args.served] : []), ...args.servers]) originOf(url);
  const named = [...(args.served ? [args.served] : []), ...args.servers];
  const defaultServer = args.served ? { url: args.served, ...(args.tenant ? { tenant: args.tenant } : {}), ...(args.database ? { database: args.database } : {}) } : null;
  return { defaultServer, allowed: loopback ? null : named, envCredentialsFor: named };
}

/** What `--host` hands to anyone who can reach the port and holds the token, when serving a Chroma server. */
export const REMOTE_SERVER_WARNING = `warning: serving beyond this machine. Anyone who can reach this address and holds the
printed token can read every record, document and vector the served Chroma server's credentials can
read, run filters and vector queries on it, export, back up and copy its collections (into the
servers named on this command line, or folders under --root), and copy records into those servers.
Prefer an SSH tunnel to a loopback server (ssh -L 8123:127.0.0.1:8123 host).`;

/** `chroma-inspector serve [folder | server URL]`: runs until interrupted. */
export async function runServeCommand(args: ServeArgs): Promise<number> {
  const served = args.folder && isServerUrl(args.folder) ? args.folder : null;
  const folder = served ? null : args.folder ? resolve(args.folder) : demoFolderPath();
  if (folder && !existsSync(folder)) {
    process.stderr.write(`error [NOT_FOUND]: Folder ${folder} does not exist\n`);
    return 1;
  }
  const host = args.host ?? '127.0.0.1';
  if (!isLoopbackHost(host)) {
    if (!args.allowRemote) {
      process.stderr.write(`error [INVALID_ARGUMENT]: --host ${host} listens beyond this machine; add --allow-remote to do that on purpose\n`);
      return 2;
    }
    process.stderr.write(`${args.folder && isServerUrl(args.folder) ? REMOTE_SERVER_WARNING : REMOTE_WARNING}\n`);
  }
  let servers: ServerPolicy;
  try {
    servers = servePolicy({ served, servers: args.servers ?? [], tenant: args.tenant, database: args.database }, isLoopbackHost(host));
  } catch (err) {
    process.stderr.write(`error [INVALID_ARGUMENT]: ${(err as Error).message}\n`);
    return 2;
  }
  // Every path a client names stays inside these (links resolved first). Serving a server, exports
  // and copies go under the working directory on loopback; beyond it, only under --root folders.
  const home = folder ? [dirname(folder)] : isLoopbackHost(host) ? [process.cwd()] : [];
  const roots = [...home, ...(args.roots ?? []).map((r) => resolve(r))];
  if (served) await warnIfUnreachable(served, servers);
  const seconds = args.callTimeout === undefined ? DEFAULT_CALL_TIMEOUT_MS / 1000 : Number(args.callTimeout);
  if (!Number.isFinite(seconds) || seconds < 0) {
    process.stderr.write(`error [INVALID_ARGUMENT]: --call-timeout takes a number of seconds (0 for no limit), not ${args.callTimeout}\n`);
    return 2;
  }
  // The engine runs in worker threads so one slow call never freezes the server for everyone.
  // Run from sources (no build), the worker entry does not exist yet: the engine then runs here.
  const workerEntry = defaultWorkerEntry();
  const pool = existsSync(workerEntry) ? createWorkerPool({ defaultFolder: folder, roots, servers, workerEntry, callTimeoutMs: seconds > 0 ? seconds * 1000 : null, encodeResults: true }) : null;
  const service = pool ? null : new EngineService({ defaultFolder: folder, roots, servers });
  if (!pool) process.stderr.write('note: the engine worker is not built (npm run build): calls run on the server thread, without time limits\n');
  const settings = { staticRoot: rendererRoot(), host, port: args.port ? Number(args.port) : 8123 };
  const server = await startInspectorServer(pool ? { connect: pool.connect, ...settings } : { service: service!, ...settings });
  const what = folder ? `${folder} (read-only until writes are enabled in the UI)` : `the Chroma server at ${originOf(served!)} (read-only)`;
  const reach = servers.allowed === null ? 'any (listening on loopback only)' : servers.allowed.map(originOf).join(', ') || 'none';
  process.stdout.write(`Chroma Inspector is serving ${what}\npaths clients may use: ${roots.join(', ') || 'none (add --root DIR)'}\nChroma servers clients may open: ${reach}\nopen ${server.url}\n`);
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


/** Serving a server that does not answer (yet) is allowed, but said at once rather than in the browser. */
async function warnIfUnreachable(url: string, policy: ServerPolicy): Promise<void> {
  try {
    const { serverEndpoint, serverOptionsFromEnv } = await import('../source/server/server-endpoint.js');
    const { probeServerVersion } = await import('../source/server/server-probe.js');
    await probeServerVersion(serverEndpoint(url, policy.envCredentialsFor.length > 0 ? serverOptionsFromEnv() : {}));
  } catch (err) {
    process.stderr.write(`warning: ${(err as Error).message}\n`);
  }
}

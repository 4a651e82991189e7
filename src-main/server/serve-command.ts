import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { EngineService } from '../service/engine-service.js';
import { startInspectorServer } from './inspector-server.js';
import { demoFolderPath, rendererRoot } from './app-paths.js';

export interface ServeArgs {
  folder: string | undefined;
  port: string | undefined;
  host: string | undefined;
}

/** `chroma-inspector serve [folder]`: runs until interrupted. */
export async function runServeCommand(args: ServeArgs): Promise<number> {
  const folder = args.folder ? resolve(args.folder) : demoFolderPath();
  if (!existsSync(folder)) {
    process.stderr.write(`error [NOT_FOUND]: Folder ${folder} does not exist\n`);
    return 1;
  }
  const host = args.host ?? '127.0.0.1';
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) {
    process.stderr.write(`warning: listening on ${host}, not loopback: anyone who can reach it and has the token can read this folder\n`);
  }
  const service = new EngineService({ defaultFolder: folder });
  const server = await startInspectorServer({
    service,
    staticRoot: rendererRoot(),
    host,
    port: args.port ? Number(args.port) : 8123,
  });
  process.stdout.write(`Chroma Inspector is serving ${folder} (read-only until writes are enabled in the UI)\nopen ${server.url}\n`);
  await new Promise<void>((done) => {
    const stop = () => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  await service.closeAll();
  return 0;
}


import { join } from 'node:path';
import { createEngineClient, type EngineClient } from '../../shared/client.js';
import { EngineService } from '../../src-main/service/engine-service.js';
import { createInProcessClient } from '../../src-main/service/in-process-client.js';
import { startInspectorServer } from '../../src-main/server/inspector-server.js';
import { createWorkerPool } from '../../src-main/service/worker-pool/worker-pool.js';
import { buildEngineWorker } from './build-engine-worker.js';
import { connectWebSocket } from './ws-channel.js';

/** One way the UI reaches the engine; a contract suite runs the same tests over each. */
export interface ContractHost {
  name: string;
  start(): Promise<{ client: EngineClient; stop(): Promise<void> }>;
}

/** The hosts of the contract, each serving `dataDir` as the default folder. */
export function contractHosts(dataDir: string): { inProcess: ContractHost; webSocket: ContractHost; workerPool: ContractHost } {
  const noStatic = join(dataDir, 'nonexistent');
  return {
    inProcess: {
      name: 'in-process',
      start: async () => {
        const service = new EngineService({ defaultFolder: dataDir });
        const client = createInProcessClient(service);
        return { client, stop: async () => (client.close(), service.closeAll()) };
      },
    },
    webSocket: {
      name: 'WebSocket server',
      start: async () => {
        const service = new EngineService({ defaultFolder: dataDir });
        const server = await startInspectorServer({ service, staticRoot: noStatic, port: 0 });
        const channel = await connectWebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
        const client = createEngineClient(channel);
        return { client, stop: async () => (client.close(), channel.close(), await server.close(), service.closeAll()) };
      },
    },
    // What `serve` runs: the engine in worker threads, raw SQL in a child process.
    workerPool: {
      name: 'WebSocket server with worker pool',
      start: async () => {
        const worker = await buildEngineWorker();
        const pool = createWorkerPool({ defaultFolder: dataDir, workerEntry: worker.entry });
        const server = await startInspectorServer({ connect: pool.connect, staticRoot: noStatic, port: 0 });
        const channel = await connectWebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
        const client = createEngineClient(channel);
        return { client, stop: async () => (client.close(), channel.close(), await server.close(), await pool.close(), worker.dispose()) };
      },
    },
  };
}

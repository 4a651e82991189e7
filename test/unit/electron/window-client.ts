// A window's side of an engine session in the Electron host tests: an engine client over the
// window's end of a (fake) MessageChannelMain, and the runaway calls issue #11 is about.
import { expect } from 'vitest';
import { createEngineClient, type EngineClient } from '../../../shared/client.js';
import type { InspectorError } from '../../../shared/errors.js';
import type { ClientMessage, MessageChannelLike, ServerMessage } from '../../../shared/protocol.js';
import type { FakePortMain } from './fake-utility-process.js';

/** SQLite counts forever: only killing its process stops it. */
export const ENDLESS_SQL = 'WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM r) SELECT count(*) FROM r';

export function windowChannel(port: FakePortMain): MessageChannelLike<ClientMessage, ServerMessage> {
  return {
    send: (m) => port.postMessage(m),
    onMessage: (listener) => {
      const h = (e: { data: unknown }) => listener(e.data as ServerMessage);
      port.on('message', h);
      port.start();
      return () => void port.off('message', h);
    },
    onClose: (listener) => {
      port.on('close', listener);
      return () => void port.off('close', listener);
    },
  };
}

export const windowClient = (port: FakePortMain): EngineClient => createEngineClient(windowChannel(port));

export const errorOf = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as InspectorError);

/** Calls `count` every 100 ms while `busy` runs; returns the slowest answer's latency. */
export async function slowestCountWhile(client: EngineClient, input: { handle: string; collectionId: string }, busy: Promise<unknown>): Promise<number> {
  let running = true;
  void busy.finally(() => (running = false)).catch(() => undefined);
  let slowest = 0;
  let answered = 0;
  while (running) {
    const t0 = performance.now();
    await client.call('count', input);
    slowest = Math.max(slowest, performance.now() - t0);
    answered++;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(answered).toBeGreaterThan(5);
  return slowest;
}

/** Whether a process with this pid still runs. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

// A window's side of an engine session in the Electron host tests: an engine client over the
// window's end of a (fake) MessageChannelMain, and the runaway calls issue #11 is about.
import { expect } from 'vitest';
import { createEngineClient, type EngineClient } from '../../../shared/client.js';
import type { InspectorError } from '../../../shared/errors.js';
import type { ClientMessage, MessageChannelLike, ServerMessage } from '../../../shared/protocol.js';
import { createMessagePortChannel } from '../../../src-renderer/client/message-port-channel.js';
import type { FakePortMain } from './fake-utility-process.js';

/** SQLite counts forever: only killing its process stops it. */
export const ENDLESS_SQL = 'WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM r) SELECT count(*) FROM r';

/**
 * The window's end as the renderer takes it: through its own MessagePort channel, which decodes
 * the results the host posts as JSON bytes (shared/encoded-result.ts).
 */
export function windowChannel(port: FakePortMain): MessageChannelLike<ClientMessage, ServerMessage> {
  return createMessagePortChannel(windowPort(port));
}

/** A fake MessagePortMain as the DOM MessagePort the renderer's channel is given. */
export function windowPort(port: Pick<FakePortMain, 'postMessage' | 'on' | 'start' | 'close'>): Parameters<typeof createMessagePortChannel>[0] {
  const p: Parameters<typeof createMessagePortChannel>[0] = {
    postMessage: (m) => port.postMessage(m),
    onmessage: null,
    start: () => port.start(),
    close: () => port.close(),
    addEventListener: (_type, listener) => void port.on('close', listener),
  };
  port.on('message', (e: { data: unknown }) => p.onmessage?.(e));
  return p;
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

/**
 * Runs ENDLESS_SQL from window `a` and expects the host to stop it with TIMEOUT at the 2 s call
 * limit (the tests set CHROMA_INSPECTOR_CALL_TIMEOUT), while window `b` is answered meanwhile.
 */
export async function expectRunawayTimesOut(a: EngineClient, b: EngineClient, input: { handle: string; collectionId: string }): Promise<void> {
  const t0 = performance.now();
  const runaway = errorOf(a.call('sql', { handle: input.handle, sql: ENDLESS_SQL }));
  const slowest = await slowestCountWhile(b, input, runaway);
  const err = await runaway;
  expect(err?.code).toBe('TIMEOUT');
  expect(err?.message).toMatch(/longer than 2 s.*CHROMA_INSPECTOR_CALL_TIMEOUT/);
  expect(performance.now() - t0).toBeLessThan(4_000);
  expect(slowest).toBeLessThan(1_000);
}

/**
 * Starts ENDLESS_SQL on a raw channel of `port`, cancels it after 500 ms and expects the CANCELLED
 * answer within 1.5 s. A raw channel, because the client library fails a cancelled call at once,
 * without waiting for the engine.
 */
export async function expectRunningSqlCancels(port: FakePortMain, handle: string): Promise<void> {
  const raw = windowChannel(port);
  const answer = new Promise<ServerMessage>((done) => raw.onMessage((m) => m.id === 7 && m.type === 'result' && done(m)));
  raw.send({ type: 'call', id: 7, method: 'sql', input: { handle, sql: ENDLESS_SQL } });
  await new Promise((r) => setTimeout(r, 500));
  const c0 = performance.now();
  raw.send({ type: 'cancel', id: 7 });
  expect(await answer).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
  expect(performance.now() - c0).toBeLessThan(1_500);
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

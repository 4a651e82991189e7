import type { ServerMessage } from './protocol.js';

/**
 * A call's successful result whose value travels as its JSON text (UTF-8), encoded by the engine
 * worker that computed it. A large answer (100,000 records with their embeddings is ~250 MB as
 * JSON) is otherwise cloned onto a host's one thread and serialised again there, holding every
 * other window's or client's calls meanwhile. As bytes, the hosts pass it on without reading it:
 * `serve` sends them as the WebSocket message's frames (the client then receives the ordinary
 * ServerMessage text), and the Electron hosts post them to the window's MessagePort, where the
 * renderer's channel decodes them (decodeResult) into the ServerMessage they stand for.
 */
export interface EncodedResult {
  type: 'result';
  id: number;
  ok: true;
  valueJson: Uint8Array;
}

/** Whether `m` is an EncodedResult (from any realm: a message port's data is the receiver's). */
export function isEncodedResult(m: unknown): m is EncodedResult {
  if (typeof m !== 'object' || m === null) return false;
  const r = m as { type?: unknown; id?: unknown; ok?: unknown; valueJson?: unknown };
  return r.type === 'result' && r.ok === true && typeof r.id === 'number' && Object.prototype.toString.call(r.valueJson) === '[object Uint8Array]';
}

/**
 * The ServerMessage an encoded result stands for, its value parsed back. Bytes that are not JSON
 * (never sent by the engine) give that call a failed result naming the problem, not a thrown
 * error in the carrier's listener, which would leave the call waiting.
 */
export function decodeResult(m: EncodedResult): ServerMessage {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(m.valueJson));
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { type: 'result', id: m.id, ok: false, error: { code: 'INTERNAL', message: `The engine's answer could not be read (${m.valueJson.length} bytes): ${why}` } };
  }
  return { type: 'result', id: m.id, ok: true, value };
}

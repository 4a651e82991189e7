import { InspectorError } from '../../shared/errors.js';
import type { ServerMessage } from '../../shared/protocol.js';
import type { ConnectPlainSession, ConnectSession } from './engine-session.js';

/**
 * A call's successful result whose value is already its JSON text (UTF-8), encoded by the engine
 * worker that computed it. serve's engines answer this way: a large answer (100,000 records with
 * their embeddings is ~250 MB of JSON) was otherwise cloned onto the server's one I/O thread and
 * stringified there, which held every other client's calls for seconds. Here the worker pays
 * for it, the bytes move to the server thread without a copy, and go out as the message's frames.
 * Never on the wire: the client receives the same ServerMessage text either way.
 */
export interface EncodedResult {
  type: 'result';
  id: number;
  ok: true;
  valueJson: Uint8Array;
}

/** What a session's carrier may be handed: a protocol message, or a result already encoded. */
export type SessionMessage = ServerMessage | EncodedResult;

export function isEncodedResult(m: SessionMessage): m is EncodedResult {
  return 'valueJson' in m;
}

/**
 * Said when a value's JSON would pass V8's string limit (~2^29 characters): JSON.stringify throws a
 * RangeError, and no transport could send it.
 */
const TOO_LARGE = 'The answer is too large to send (over 500 MB as JSON): ask for fewer records, or leave embeddings out of include';

/** `m`, with an ok result's value as its JSON text (other messages as they are). */
export function encodeResult(m: ServerMessage): SessionMessage {
  if (m.type !== 'result' || !m.ok) return m;
  let text: string | undefined;
  try {
    text = JSON.stringify(m.value);
  } catch (err) {
    if (err instanceof RangeError) throw new InspectorError('INVALID_ARGUMENT', TOO_LARGE);
    throw err;
  }
  // JSON.stringify(undefined) gives no text; the protocol's `value` is then absent, and `null` reads the same.
  // TextEncoder's bytes own their buffer, so they can be transferred (a small Buffer shares a pool's).
  return { type: 'result', id: m.id, ok: true, valueJson: new TextEncoder().encode(text ?? 'null') };
}

/** An encoded result as the ServerMessage it stands for (the value parsed back). */
export function decodeResult(m: EncodedResult): ServerMessage {
  return { type: 'result', id: m.id, ok: true, value: JSON.parse(new TextDecoder().decode(m.valueJson)) as unknown };
}

/**
 * The message's JSON text in three pieces — `{"type":"result","id":N,"ok":true,"value":`, the
 * value's bytes, `}` — for a carrier that sends them as one message's fragments, without copying
 * the value into a new buffer.
 */
export function encodedMessagePieces(m: EncodedResult): [Uint8Array, Uint8Array, Uint8Array] {
  const head = JSON.stringify({ type: m.type, id: m.id, ok: m.ok, value: 0 });
  return [new TextEncoder().encode(head.slice(0, -2)), m.valueJson, new TextEncoder().encode('}')];
}

/** A session factory as seen by a carrier of ServerMessages only: encoded results are parsed back. */
export function decodingResults(connect: ConnectSession): ConnectPlainSession {
  return (send) => connect((m) => send(isEncodedResult(m) ? decodeResult(m) : m));
}

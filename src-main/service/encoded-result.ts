import type { EncodedResult } from '../../shared/encoded-result.js';
import { InspectorError } from '../../shared/errors.js';
import type { ServerMessage } from '../../shared/protocol.js';

/** What a session's carrier may be handed: a protocol message, or a result already encoded (shared/encoded-result.ts). */
export type SessionMessage = ServerMessage | EncodedResult;

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

/**
 * The message's JSON text in three pieces — `{"type":"result","id":N,"ok":true,"value":`, the
 * value's bytes, `}` — for a carrier that sends them as one message's fragments, without copying
 * the value into a new buffer.
 */
export function encodedMessagePieces(m: EncodedResult): [Uint8Array, Uint8Array, Uint8Array] {
  const head = JSON.stringify({ type: m.type, id: m.id, ok: m.ok, value: 0 });
  return [new TextEncoder().encode(head.slice(0, -2)), m.valueJson, new TextEncoder().encode('}')];
}

import { InspectorError } from './errors.js';
import type { Input, Method, Output } from './contract.js';
import type { ClientMessage, MessageChannelLike, Progress, ServerMessage } from './protocol.js';

export interface CallOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

/** What the UI holds. It never learns which transport sits underneath. */
export interface EngineClient {
  call<M extends Method>(method: M, input: Input<M>, options?: CallOptions): Promise<Output<M>>;
  close(): void;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  onProgress: ((p: Progress) => void) | undefined;
  cleanup: () => void;
}

/** Builds a typed client over any message channel; errors come back as InspectorError. */
export function createEngineClient(channel: MessageChannelLike<ClientMessage, ServerMessage>): EngineClient {
  let nextId = 1;
  const pending = new Map<number, Pending>();
  const unsubscribe = channel.onMessage((msg) => {
    const p = pending.get(msg.id);
    if (!p) return;
    if (msg.type === 'progress') {
      p.onProgress?.({ done: msg.done, total: msg.total, ...(msg.message ? { message: msg.message } : {}) });
      return;
    }
    pending.delete(msg.id);
    p.cleanup();
    if (msg.ok) p.resolve(msg.value);
    else p.reject(InspectorError.fromData(msg.error));
  });
  const failAll = (why: string) => {
    for (const [id, p] of pending) {
      pending.delete(id);
      p.cleanup();
      p.reject(new InspectorError('INTERNAL', why));
    }
  };
  const unsubscribeClose = channel.onClose?.(() => failAll('Connection to the engine closed'));

  return {
    call(method, input, options = {}) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const { signal } = options;
        if (signal?.aborted) {
          reject(new InspectorError('CANCELLED', 'Cancelled'));
          return;
        }
        const onAbort = () => {
          channel.send({ type: 'cancel', id });
          // The engine answers CANCELLED; fail fast anyway so the UI is never stuck waiting.
          const p = pending.get(id);
          if (p) {
            pending.delete(id);
            p.cleanup();
            p.reject(new InspectorError('CANCELLED', 'Cancelled'));
          }
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        pending.set(id, {
          resolve: resolve as (v: unknown) => void,
          reject,
          onProgress: options.onProgress,
          cleanup: () => signal?.removeEventListener('abort', onAbort),
        });
        channel.send({ type: 'call', id, method, input });
      });
    },
    close() {
      unsubscribe();
      unsubscribeClose?.();
      failAll('Client closed');
    },
  };
}

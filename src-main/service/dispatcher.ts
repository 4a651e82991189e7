import { InspectorError, toErrorData } from '../../shared/errors.js';
import { inputs, isMethod, type Method, type Output, type ParsedInput } from '../../shared/contract.js';
import { isClientMessage, type ClientMessage, type Progress, type ServerMessage } from '../../shared/protocol.js';

export interface CallContext {
  signal: AbortSignal;
  progress(p: Progress): void;
}

export type Handlers = { [M in Method]: (input: ParsedInput<M>, ctx: CallContext) => Output<M> | Promise<Output<M>> };

/**
 * The engine end of the protocol, shared by every transport: validates input once with the
 * contract's schemas, runs the handler, streams progress, honours cancel, and turns every error
 * into `{code, message, details}` data.
 */
export function createDispatcher(handlers: Handlers) {
  return function connect(rawSend: (m: ServerMessage) => void) {
    // A carrier that fails (closed socket, a value it cannot encode) must not take the engine down:
    // the call's result is then lost, which the client sees as its channel closing. What failed
    // is kept: a carrier that says why (an answer too large to encode) has that sent instead.
    const send = (m: ServerMessage): { sent: true } | { sent: false; err: unknown } => {
      try {
        rawSend(m);
        return { sent: true };
      } catch (err) {
        return { sent: false, err };
      }
    };
    const running = new Map<number, AbortController>();
    const handle = async (msg: ClientMessage) => {
      if (msg.type === 'cancel') {
        running.get(msg.id)?.abort();
        return;
      }
      const controller = new AbortController();
      running.set(msg.id, controller);
      try {
        if (!isMethod(msg.method)) throw new InspectorError('INVALID_ARGUMENT', `Unknown method "${msg.method}"`);
        const method: Method = msg.method;
        const parsed = inputs[method].safeParse(msg.input ?? {});
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new InspectorError('INVALID_ARGUMENT', `Invalid input for ${method}: ${issue ? `${issue.path.join('.') || 'input'}: ${issue.message}` : 'rejected'}`);
        }
        const ctx: CallContext = {
          signal: controller.signal,
          progress: (p) => {
            if (!controller.signal.aborted) send({ type: 'progress', id: msg.id, ...p });
          },
        };
        const handler = handlers[method] as (input: unknown, ctx: CallContext) => unknown;
        const value = await handler(parsed.data, ctx);
        if (controller.signal.aborted) throw new InspectorError('CANCELLED', 'Cancelled');
        const sent = send({ type: 'result', id: msg.id, ok: true, value });
        if (!sent.sent) {
          if (sent.err instanceof InspectorError) throw sent.err;
          throw new InspectorError('INTERNAL', `The result of ${method} could not be sent`);
        }
      } catch (err) {
        send({ type: 'result', id: msg.id, ok: false, error: controller.signal.aborted ? { code: 'CANCELLED', message: 'Cancelled' } : toErrorData(err) });
      } finally {
        running.delete(msg.id);
      }
    };
    return {
      receive(raw: unknown) {
        if (!isClientMessage(raw)) return;
        handle(raw).catch(() => undefined);
      },
      close() {
        for (const c of running.values()) c.abort();
        running.clear();
      },
    };
  };
}

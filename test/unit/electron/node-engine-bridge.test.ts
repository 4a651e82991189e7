import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createEngineClient } from '../../../shared/client.js';
import type { ClientMessage, MessageChannelLike, ServerMessage } from '../../../shared/protocol.js';
import type { MainPortLike } from '../../../src-main/app/engine-host-handle.js';
import { utilityEngineHost } from '../../../src-main/app/engine-host-handle.js';
import { serveEngineSessions, type Connect, type SessionMessage } from '../../../src-main/app/engine-session-mux.js';
import { nodeEngineHost } from '../../../src-main/app/node-engine-bridge.js';
import { createDispatcher } from '../../../src-main/service/dispatcher.js';
import { EngineService } from '../../../src-main/service/engine-service.js';
import { referenceFixture } from '../../helpers/paths.js';

const tick = () => new Promise((r) => setTimeout(r, 0));

/** A MessageChannelMain: main keeps `main` (a MainPortLike), the window gets `window`. */
function fakeChannel() {
  const main = new EventEmitter() as EventEmitter & MainPortLike & { closed: boolean };
  const toWindow: ((m: unknown) => void)[] = [];
  const windowClosed: (() => void)[] = [];
  main.closed = false;
  main.postMessage = (m) => queueMicrotask(() => toWindow.forEach((l) => l(structuredClone(m))));
  main.start = vi.fn();
  main.close = () => {
    if (main.closed) return;
    main.closed = true;
    main.emit('close');
    windowClosed.forEach((l) => l());
  };
  const window: MessageChannelLike<ClientMessage, ServerMessage> & { post(m: unknown): void; close(): void } = {
    post: (m) => queueMicrotask(() => main.emit('message', { data: structuredClone(m) })),
    send: (m) => window.post(m),
    onMessage: (l) => {
      toWindow.push(l as (m: unknown) => void);
      return () => undefined;
    },
    onClose: (l) => {
      windowClosed.push(l);
      return () => undefined;
    },
    close: () => main.close(),
  };
  return { main, window, received: toWindow };
}

/** A forked Node child whose IPC channel is wired to `serveEngineSessions` in this process. */
function fakeChild(connect: Connect) {
  const child = new EventEmitter() as EventEmitter & {
    send(m: SessionMessage): boolean;
    connected: boolean;
    disconnect(): void;
    kill: ReturnType<typeof vi.fn<() => void>>;
    sent: SessionMessage[];
  };
  const inChild = new EventEmitter();
  child.sent = [];
  child.connected = true;
  child.send = (m) => {
    child.sent.push(m);
    queueMicrotask(() => inChild.emit('message', structuredClone(m)));
    return true;
  };
  child.disconnect = () => {
    child.connected = false;
    queueMicrotask(() => child.emit('exit', 0));
  };
  child.kill = vi.fn<() => void>();
  const sessions = serveEngineSessions(
    { send: (m) => queueMicrotask(() => child.emit('message', structuredClone(m))), onMessage: (l) => void inChild.on('message', l) },
    connect,
  );
  return { child, sessions };
}

/** A dispatcher stand-in that answers every call with its session number. */
function echoConnect() {
  let n = 0;
  const closed: number[] = [];
  const connect: Connect = (send) => {
    const me = ++n;
    return {
      receive: (raw) => {
        const m = raw as { id: number; input: unknown };
        send({ type: 'result', id: m.id, ok: true, value: { session: me, input: m.input } });
      },
      close: () => closed.push(me),
    };
  };
  return { connect, closed };
}

describe('the Node child host bridge', () => {
  it('gives each window its own session and routes replies back to that window only', async () => {
    const echo = echoConnect();
    const { child } = fakeChild(echo.connect);
    const host = nodeEngineHost(child);
    expect(host.kind).toBe('node');
    const a = fakeChannel();
    const b = fakeChannel();
    host.connect(a.main);
    host.connect(b.main);
    expect(a.main.start).toHaveBeenCalled();
    const seenA: unknown[] = [];
    const seenB: unknown[] = [];
    a.received.push((m) => seenA.push(m));
    b.received.push((m) => seenB.push(m));
    a.window.post({ type: 'call', id: 1, method: 'x', input: 'from a' });
    b.window.post({ type: 'call', id: 1, method: 'x', input: 'from b' });
    await tick();
    expect(seenA).toEqual([{ type: 'result', id: 1, ok: true, value: { session: 1, input: 'from a' } }]);
    expect(seenB).toEqual([{ type: 'result', id: 1, ok: true, value: { session: 2, input: 'from b' } }]);
  });

  it("closes the child's session when the window's port closes", async () => {
    const echo = echoConnect();
    const { child } = fakeChild(echo.connect);
    const host = nodeEngineHost(child);
    const a = fakeChannel();
    host.connect(a.main);
    await tick();
    a.main.close();
    await tick();
    expect(echo.closed).toEqual([1]);
    expect(child.sent.map((m) => m.type)).toEqual(['session-open', 'session-close']);
  });

  it("closes every window's port when the child exits, and refuses new ones", async () => {
    const { child } = fakeChild(echoConnect().connect);
    const host = nodeEngineHost(child);
    const exited = vi.fn();
    host.onExit(exited);
    const a = fakeChannel();
    host.connect(a.main);
    child.emit('exit', 1);
    expect(a.main.closed).toBe(true);
    expect(exited).toHaveBeenCalled();
    const late = fakeChannel();
    host.connect(late.main);
    expect(late.main.closed).toBe(true);
  });

  it('stops by disconnecting (the child persists and exits), killing only a child that hangs', async () => {
    vi.useFakeTimers();
    try {
      const { child } = fakeChild(echoConnect().connect);
      child.disconnect = () => {
        child.connected = false; // and never exits
      };
      nodeEngineHost(child, 5_000).stop();
      expect(child.connected).toBe(false);
      vi.advanceTimersByTime(5_000);
      expect(child.kill).toHaveBeenCalled();
    } finally {
      vi.useRealTimers();
    }
  });

  it('carries the real engine protocol end to end: window client ↔ main bridge ↔ child dispatcher', async () => {
    const folder = join(referenceFixture('chroma-1.3.4-seed7'), 'data');
    const service = new EngineService({ defaultFolder: folder });
    const { child } = fakeChild(createDispatcher(service.handlers()));
    const host = nodeEngineHost(child);
    const channel = fakeChannel();
    host.connect(channel.main);
    const client = createEngineClient(channel.window);
    try {
      expect(await client.call('defaultFolder', {})).toEqual({ path: folder });
      const opened = await client.call('openFolder', { path: folder });
      const names = opened.info.tenants.flatMap((t) => t.databases.flatMap((d) => d.collections.map((c) => c.name)));
      expect(names.length).toBeGreaterThan(0);
    } finally {
      client.close();
      await service.closeAll();
    }
  });
});

describe('the utility process host', () => {
  const fakeUtility = () => {
    const proc = new EventEmitter() as EventEmitter & { postMessage: ReturnType<typeof vi.fn<(m: unknown, t?: unknown[]) => void>>; kill: ReturnType<typeof vi.fn<() => void>> };
    proc.postMessage = vi.fn<(m: unknown, t?: unknown[]) => void>();
    proc.kill = vi.fn<() => void>();
    return proc;
  };

  it('hands the port itself to the utility process', () => {
    const proc = fakeUtility();
    const host = utilityEngineHost(proc);
    const port = fakeChannel().main;
    host.connect(port);
    expect(proc.postMessage).toHaveBeenCalledWith({ type: 'connect' }, [port]);
  });

  it('stops by asking (the host closes its pool, persisting checkpoints), killing only a host that hangs', () => {
    vi.useFakeTimers();
    try {
      const hangs = fakeUtility();
      utilityEngineHost(hangs, 5_000).stop();
      expect(hangs.postMessage).toHaveBeenCalledWith({ type: 'stop' });
      vi.advanceTimersByTime(4_999);
      expect(hangs.kill).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      expect(hangs.kill).toHaveBeenCalled();

      const ends = fakeUtility();
      utilityEngineHost(ends, 5_000).stop();
      ends.emit('exit', 0);
      vi.advanceTimersByTime(5_000);
      expect(ends.kill).not.toHaveBeenCalled();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('paths the hosts report', () => {
  it("passes each host's path-produced messages on, and nothing else", () => {
    const proc = new EventEmitter() as EventEmitter & { postMessage(): void; kill(): void };
    Object.assign(proc, { postMessage: vi.fn(), kill: vi.fn() });
    const utility: string[] = [];
    utilityEngineHost(proc).onPathProduced((p) => utility.push(p));
    for (const m of [{ type: 'path-produced', path: '/out/a.zip' }, { type: 'path-produced', path: 7 }, { type: 'engine-ready' }, 'x']) proc.emit('message', m);
    expect(utility).toEqual(['/out/a.zip']);

    const { child } = fakeChild(echoConnect().connect);
    const node: string[] = [];
    nodeEngineHost(child).onPathProduced((p) => node.push(p));
    child.emit('message', { type: 'path-produced', path: '/data/opened' });
    child.emit('message', { type: 'session-message', session: 1, data: { type: 'path-produced', path: '/nope' } });
    expect(node).toEqual(['/data/opened']);
  });
});

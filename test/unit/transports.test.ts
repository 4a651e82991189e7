import { describe, expect, it } from 'vitest';
import { createWebSocketChannel, redactToken, type WebSocketLike } from '../../src-renderer/client/websocket-channel.js';
import { createMessagePortChannel } from '../../src-renderer/client/message-port-channel.js';
import { websocketUrl } from '../../src-renderer/client/connect.js';
import { createEngineClient } from '../../shared/client.js';
import { MAX_CLIENT_MESSAGE_BYTES, type ServerMessage } from '../../shared/protocol.js';

class FakeSocket implements WebSocketLike {
  readyState = 0;
  sent: string[] = [];
  private listeners = new Map<string, ((e: { data: unknown }) => void)[]>();
  addEventListener(type: string, l: (e: { data: unknown }) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), l]);
  }
  emit(type: string, data?: unknown) {
    for (const l of this.listeners.get(type) ?? []) l({ data });
  }
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.readyState = 3;
    this.emit('close');
  }
}

describe('websocket transport', () => {
  it('derives the API URL and carries the token', () => {
    expect(websocketUrl({ origin: 'http://127.0.0.1:8123', search: '?token=a%2Bb/c' })).toBe('ws://127.0.0.1:8123/api?token=a%2Bb%2Fc');
    expect(websocketUrl({ origin: 'https://host', search: '' })).toBe('wss://host/api');
    expect(redactToken('ws://h/api?token=secret&x=1')).toBe('ws://h/api?token=…&x=1');
  });

  it('queues until open, speaks JSON, and fails pending calls on close', async () => {
    const sock = new FakeSocket();
    const channel = createWebSocketChannel('ws://x/api', () => sock);
    const client = createEngineClient(channel);
    const p = client.call('count', { handle: 'h', collectionId: 'c' });
    expect(sock.sent).toHaveLength(0);
    sock.readyState = 1;
    sock.emit('open');
    await channel.ready;
    const msg = JSON.parse(sock.sent[0]!) as { id: number; method: string };
    expect(msg.method).toBe('count');
    sock.emit('message', 'not json');
    sock.emit('message', JSON.stringify({ type: 'result', id: msg.id, ok: true, value: 42 } satisfies ServerMessage));
    await expect(p).resolves.toBe(42);

    const pending = client.call('count', { handle: 'h', collectionId: 'c' });
    let closed = 0;
    channel.onClose?.(() => closed++);
    sock.close();
    await expect(pending).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(closed).toBe(1);
  });

  it('fails a call too large for the server by itself, without sending it or losing the connection', async () => {
    const sock = new FakeSocket();
    sock.readyState = 1;
    const channel = createWebSocketChannel('ws://x/api', () => sock);
    const client = createEngineClient(channel);
    // Three bytes a character in UTF-8: a third of the limit in characters is over it in bytes.
    const document = '日'.repeat(Math.ceil(MAX_CLIENT_MESSAGE_BYTES / 3) + 1);
    await expect(client.call('updateRecord', { handle: 'h', collectionId: 'c', id: 'r', document })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: /up to 8\.0 MB/ });
    expect(sock.sent).toHaveLength(0);
    // Just under the limit in characters and bytes alike: sent as usual.
    const p = client.call('updateRecord', { handle: 'h', collectionId: 'c', id: 'r', document: 'a'.repeat(MAX_CLIENT_MESSAGE_BYTES - 200) });
    expect(sock.sent).toHaveLength(1);
    const msg = JSON.parse(sock.sent[0]!) as { id: number };
    sock.emit('message', JSON.stringify({ type: 'result', id: msg.id, ok: true, value: null } satisfies ServerMessage));
    await expect(p).resolves.toBeNull();
  });

  it('rejects ready when the socket closes before opening', async () => {
    const sock = new FakeSocket();
    const channel = createWebSocketChannel('ws://x/api?token=t', () => sock);
    sock.emit('close');
    await expect(channel.ready).rejects.toThrow(/token=…/);
  });
});

describe('message port transport', () => {
  it('posts calls and routes results and progress', async () => {
    const posted: unknown[] = [];
    const port = { postMessage: (m: unknown) => posted.push(m), onmessage: null as ((e: { data: unknown }) => void) | null, start() {} };
    const client = createEngineClient(createMessagePortChannel(port));
    const progress: number[] = [];
    const p = client.call('tableSizes', { handle: 'h' }, { onProgress: (x) => progress.push(x.done) });
    const call = posted[0] as { id: number };
    port.onmessage?.({ data: { type: 'progress', id: call.id, done: 3, total: 10 } });
    port.onmessage?.({ data: { type: 'result', id: call.id, ok: false, error: { code: 'CORRUPT_SQLITE', message: 'bad' } } });
    await expect(p).rejects.toMatchObject({ code: 'CORRUPT_SQLITE', message: 'bad' });
    expect(progress).toEqual([3]);
  });

  it('decodes a result posted as its JSON bytes, and fails the call whose bytes are not JSON', async () => {
    const posted: { id: number }[] = [];
    const port = { postMessage: (m: unknown) => posted.push(m as { id: number }), onmessage: null as ((e: { data: unknown }) => void) | null, start() {} };
    const client = createEngineClient(createMessagePortChannel(port));
    const value = { ids: ['a', 'ü'], embeddings: [[0.5, -1e-7]], metadatas: [{ n: 1, f: 1.5, s: '日本' }] };
    const good = client.call('count', { handle: 'h', collectionId: 'c' });
    const bad = client.call('count', { handle: 'h', collectionId: 'c' });
    const bytes = (text: string) => new TextEncoder().encode(text);
    port.onmessage?.({ data: { type: 'result', id: posted[0]!.id, ok: true, valueJson: bytes(JSON.stringify(value)) } });
    port.onmessage?.({ data: { type: 'result', id: posted[1]!.id, ok: true, valueJson: bytes('{"ids": [') } });
    expect(await good).toEqual(value);
    await expect(bad).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(/answer could not be read \(9 bytes\)/) });
  });
});

describe('after disconnect', () => {
  it('fails new calls at once', async () => {
    const { failFastWhenClosed } = await import('../../src-renderer/client/connect.js');
    const sock = new FakeSocket();
    const channel = createWebSocketChannel('ws://x/api', () => sock);
    const client = failFastWhenClosed(createEngineClient(channel), channel);
    sock.readyState = 1;
    sock.emit('open');
    sock.close();
    await expect(client.call('count', { handle: 'h', collectionId: 'c' })).rejects.toMatchObject({ message: expect.stringMatching(/Disconnected/) });
  });
});

import { randomUUID } from 'node:crypto';
import { InspectorError } from '../../shared/errors.js';
import type { Input, OpenedFolder } from '../../shared/contract.js';
import type { ServerSourceInfo } from '../../shared/models.js';
import { serverEndpoint, serverOptionsFromEnv, type ServerEndpoint, type ServerOptions } from '../source/server/server-endpoint.js';
import { ServerInspector } from '../source/server/server-inspector.js';
import { checkServerAllowed, getsEnvCredentials, type ServerPolicy } from './server-policy.js';

type OpenServerInput = Input<'openServer'>;

/**
 * The Chroma servers a host has open, by handle, beside its folders. Opening the same server with
 * the same scope and credentials again gives the same handle. Credentials live only here, in
 * memory; a call without any gets the environment's, for the servers the host was started with.
 */
export class ServerHandles {
  private readonly open = new Map<string, ServerInspector>();
  private readonly byKey = new Map<string, string>();
  private readonly opening = new Map<string, Promise<string>>();

  constructor(private readonly policy: ServerPolicy) {}

  has(handle: string): boolean {
    return this.open.has(handle);
  }

  get(handle: string): ServerInspector {
    const s = this.open.get(handle);
    if (!s) throw new InspectorError('NOT_FOUND', 'That server is no longer open; open it again');
    return s;
  }

  async openServer(input: OpenServerInput): Promise<OpenedFolder> {
    const key = JSON.stringify([input.url, input.tenant ?? null, input.database ?? null, input.credentials ?? null]);
    let handle = this.byKey.get(key);
    if (!handle) {
      // Two clients opening at once share one connection.
      let pending = this.opening.get(key);
      if (!pending) {
        pending = this.connect(input).finally(() => this.opening.delete(key));
        this.opening.set(key, pending);
      }
      handle = await pending;
      this.byKey.set(key, handle);
    }
    return { handle, info: await this.get(handle).folderInfo(), writable: false };
  }

  close(handle: string): boolean {
    if (!this.open.delete(handle)) return false;
    for (const [key, h] of this.byKey) if (h === handle) this.byKey.delete(key);
    return true;
  }

  /**
   * The endpoint for a server a client names (to open, or as a copy's target): allowed by the
   * policy, with the call's credentials, or the environment's for the servers the host was
   * started with.
   */
  endpoint(input: OpenServerInput): { endpoint: ServerEndpoint; auth: ServerSourceInfo['auth'] } {
    checkServerAllowed(this.policy, input.url);
    const given = input.credentials ?? {};
    const env = Object.keys(given).length === 0 && getsEnvCredentials(this.policy, input.url) ? serverOptionsFromEnv() : {};
    const options: ServerOptions = { ...env, ...given };
    if (input.tenant) options.tenant = input.tenant;
    if (input.database) options.database = input.database;
    return { endpoint: serverEndpoint(input.url, options), auth: authKind(options, input.url) };
  }

  private async connect(input: OpenServerInput): Promise<string> {
    const { endpoint, auth } = this.endpoint(input);
    const inspector = await ServerInspector.open(endpoint, auth);
    const handle = randomUUID();
    this.open.set(handle, inspector);
    return handle;
  }
}

function authKind(o: ServerOptions, url: string): ServerSourceInfo['auth'] {
  if (o.apiKey) return 'api-key';
  if (o.token) return 'token';
  if (o.basicAuth || URL.canParse(url) && new URL(url).username) return 'basic';
  if (o.headers && Object.keys(o.headers).length > 0) return 'headers';
  return 'none';
}

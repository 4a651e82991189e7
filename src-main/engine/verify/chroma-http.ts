import type { Metadata } from '../../../shared/models.js';

/** Each request's own time limit (the whole check has one too). */
const REQUEST_TIMEOUT_MS = 60_000;
const PAGE = 100;

export interface RemoteCollection {
  id: string;
  name: string;
}

export interface RemoteRecords {
  ids: string[];
  documents: (string | null)[] | null;
  metadatas: (Metadata | null)[] | null;
}

export interface RemoteHits {
  ids: string[];
  distances: number[];
}

/** A Chroma error answer (`{"error": …, "message": …}`) or a transport failure, with the request named. */
export class ChromaHttpError extends Error {}

/**
 * The few calls of Chroma's HTTP API v2 the check needs, over plain fetch. Shapes as Chroma 1.x's
 * Rust frontend serves them (rust/frontend/src/server.rs): collections are listed by tenant and
 * database, and addressed by id for count, get and query.
 */
export class ChromaHttp {
  constructor(
    private readonly url: string,
    private readonly signal: AbortSignal,
  ) {}

  private async call<T>(path: string, body?: unknown): Promise<T> {
    const what = `${body === undefined ? 'GET' : 'POST'} ${path}`;
    let res: Response;
    try {
      res = await fetch(`${this.url}/api/v2${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.any([this.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
      });
    } catch (err) {
      if (this.signal.aborted) throw err;
      throw new ChromaHttpError(`${what}: ${(err as Error).message}`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ChromaHttpError(`${what}: HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`);
    }
    if (!res.ok) {
      const e = json as { error?: string; message?: string };
      throw new ChromaHttpError(`${what}: HTTP ${res.status} ${e.error ?? ''} ${e.message ?? text.slice(0, 200)}`.trim());
    }
    return json as T;
  }

  private base(tenant: string, database: string): string {
    return `/tenants/${encodeURIComponent(tenant)}/databases/${encodeURIComponent(database)}/collections`;
  }

  /** The server's own version string (Chroma's JS bindings 1.3.4 answer `1.0.0`: a build number, not the release). */
  async version(): Promise<string> {
    return String(await this.call<unknown>('/version'));
  }

  async collections(tenant: string, database: string): Promise<RemoteCollection[]> {
    const out: RemoteCollection[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const page = await this.call<RemoteCollection[]>(`${this.base(tenant, database)}?limit=${PAGE}&offset=${offset}`);
      out.push(...page.map((c) => ({ id: c.id, name: c.name })));
      if (page.length < PAGE) return out;
    }
  }

  async count(tenant: string, database: string, id: string): Promise<number> {
    return Number(await this.call<unknown>(`${this.base(tenant, database)}/${id}/count`));
  }

  async get(tenant: string, database: string, id: string, ids: readonly string[]): Promise<RemoteRecords> {
    return this.call<RemoteRecords>(`${this.base(tenant, database)}/${id}/get`, { ids, include: ['documents', 'metadatas'] });
  }

  async query(tenant: string, database: string, id: string, vector: readonly number[], k: number): Promise<RemoteHits> {
    const r = await this.call<{ ids: string[][]; distances: number[][] | null }>(`${this.base(tenant, database)}/${id}/query`, {
      query_embeddings: [vector],
      n_results: k,
      include: ['distances'],
    });
    return { ids: r.ids[0] ?? [], distances: r.distances?.[0] ?? [] };
  }
}

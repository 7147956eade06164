// The one module that talks to the Stratus API. Every call goes through ApiClient.request: base URL
// from config.json, `Authorization: <ID token>` (what API Gateway's Cognito authorizer reads), JSON
// bodies, and {"error":{"code","message"}} error bodies turned into ApiError.

import type {
  ActivityPage,
  Attachment,
  Health,
  Item,
  ItemPage,
  ItemPatch,
  ItemStatus,
  NewAttachment,
  NewItem,
} from './types';

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** 412 Precondition Failed: someone else changed the item since it was loaded. */
export class ConflictError extends ApiError {
  override name = 'ConflictError';
}

/** What the client needs from the auth module. */
export interface TokenSource {
  getIdToken(): Promise<string | null>;
  /** Refreshes the tokens; resolves to null when the session is over. */
  refreshNow(): Promise<unknown>;
  /** Called when the API rejects a freshly refreshed token: the session is over. */
  expire(): void;
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined | null>;
  body?: unknown;
  headers?: Record<string, string>;
  /** Send the ID token. Default: true. */
  auth?: boolean;
}

export interface ApiResponse<T> {
  status: number;
  data: T;
  headers: Headers;
}

export function newIdempotencyKey(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  // RFC 4122 v4 from getRandomValues (randomUUID needs a secure context).
  const b = new Uint8Array(16);
  c.getRandomValues(b);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** `"7"` (or W/"7") → 7; null when absent or not a version. */
export function versionFromETag(etag: string | null): number | null {
  if (!etag) return null;
  const m = /^(?:W\/)?"?(\d+)"?$/.exec(etag.trim());
  return m ? Number(m[1]) : null;
}

const FALLBACK_MESSAGES: Record<number, string> = {
  400: 'The request was not valid.',
  401: 'You are not signed in.',
  403: 'You are not allowed to do that.',
  404: 'Not found.',
  409: 'That conflicts with the current state.',
  412: 'This item was changed by someone else since you loaded it.',
  413: 'That is too large.',
  429: 'Too many requests. Wait a moment and try again.',
};

/**
 * Plain words for the edge's answers whose own message is terse: API Gateway's gateway response when
 * the stage's web ACL blocks a request ("Forbidden"). The web ACLs' own rules answer REQUEST_BLOCKED
 * and RATE_LIMITED with messages of their own (internal/synth/waf), shown as they are.
 */
const CODE_MESSAGES: Record<string, string> = {
  WAF_FILTERED: 'The firewall refused this request. If you think it should not have, tell us what you were doing and when.',
};

async function errorFrom(res: Response): Promise<ApiError> {
  let code = `HTTP_${res.status}`;
  let message = FALLBACK_MESSAGES[res.status] ?? `The server answered ${res.status}.`;
  try {
    const body = (await res.json()) as { error?: { code?: unknown; message?: unknown }; message?: unknown };
    if (body?.error && typeof body.error === 'object') {
      if (typeof body.error.code === 'string' && body.error.code) code = body.error.code;
      if (typeof body.error.message === 'string' && body.error.message) message = body.error.message;
    } else if (typeof body?.message === 'string' && body.message) {
      // API Gateway's own responses (authorizer, throttling): {"message": "Unauthorized"}
      message = body.message;
    }
  } catch {
    // not JSON: keep the fallback
  }
  message = CODE_MESSAGES[code] ?? message;
  return res.status === 412 ? new ConflictError(412, code, message) : new ApiError(res.status, code, message);
}

export class ApiClient {
  private readonly base: string;

  constructor(
    baseUrl: string,
    private readonly auth: TokenSource | null,
    private readonly fetchImpl: typeof fetch = (...args) => fetch(...args),
  ) {
    this.base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  }

  /** Absolute URL of an API path such as "items/abc" (leading "/" allowed). */
  url(path: string, query?: RequestOptions['query']): string {
    const u = new URL(path.replace(/^\/+/, ''), this.base);
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v !== undefined && v !== null && v !== '') u.searchParams.set(k, String(v));
    }
    return u.toString();
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<ApiResponse<T>> {
    const useAuth = opts.auth !== false;
    let res = await this.send(method, path, opts, useAuth);
    if (res.status === 401 && useAuth && this.auth) {
      const refreshed = await this.auth.refreshNow();
      if (refreshed) res = await this.send(method, path, opts, useAuth);
      if (res.status === 401) {
        this.auth.expire();
      }
    }
    if (!res.ok) throw await errorFrom(res);
    let data: T = undefined as T;
    if (res.status !== 204) {
      const text = await res.text();
      if (text) {
        try {
          data = JSON.parse(text) as T;
        } catch {
          throw new ApiError(res.status, 'BadResponse', 'The server sent a response that is not JSON.');
        }
      }
    }
    return { status: res.status, data, headers: res.headers };
  }

  private async send(method: string, path: string, opts: RequestOptions, useAuth: boolean): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    if (useAuth && this.auth) {
      const token = await this.auth.getIdToken();
      if (!token) throw new ApiError(401, 'NotSignedIn', 'You are signed out. Sign in again.');
      headers.Authorization = token;
    }
    try {
      return await this.fetchImpl(this.url(path, opts.query), {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      });
    } catch {
      throw new ApiError(0, 'NetworkError', 'Could not reach the server. Check your connection and try again.');
    }
  }

  // ---- Endpoints -------------------------------------------------------------------------------

  async health(): Promise<Health> {
    return (await this.request<Health>('GET', 'health', { auth: false })).data;
  }

  async listItems(params: { status?: ItemStatus; limit?: number; cursor?: string | null } = {}): Promise<ItemPage> {
    const { data } = await this.request<ItemPage>('GET', 'items', {
      query: { status: params.status, limit: params.limit, cursor: params.cursor },
    });
    return { items: data?.items ?? [], nextCursor: data?.nextCursor ?? null };
  }

  /** Creates an item. Reuse the same idempotencyKey when retrying the same submit. */
  async createItem(input: NewItem, idempotencyKey: string = newIdempotencyKey()): Promise<Item> {
    const { data } = await this.request<Item>('POST', 'items', {
      body: input,
      headers: { 'Idempotency-Key': idempotencyKey },
    });
    return data;
  }

  async getItem(id: string): Promise<Item> {
    const { data, headers } = await this.request<Item>('GET', `items/${encodeURIComponent(id)}`);
    const v = versionFromETag(headers.get('ETag'));
    return v !== null && typeof data.version !== 'number' ? { ...data, version: v } : data;
  }

  /** Partial update guarded by the version the caller saw; throws ConflictError on 412. */
  async updateItem(id: string, patch: ItemPatch, version: number): Promise<Item> {
    const { data } = await this.request<Item>('PATCH', `items/${encodeURIComponent(id)}`, {
      body: patch,
      headers: { 'If-Match': `"${version}"` },
    });
    return data;
  }

  async deleteItem(id: string): Promise<void> {
    await this.request<void>('DELETE', `items/${encodeURIComponent(id)}`);
  }

  async createAttachment(
    itemId: string,
    file: { fileName: string; contentType: string; size: number },
  ): Promise<NewAttachment> {
    const { data } = await this.request<NewAttachment>('POST', `items/${encodeURIComponent(itemId)}/attachments`, {
      body: file,
    });
    return data;
  }

  async listAttachments(itemId: string): Promise<Attachment[]> {
    const { data } = await this.request<{ attachments: Attachment[] }>(
      'GET',
      `items/${encodeURIComponent(itemId)}/attachments`,
    );
    return data?.attachments ?? [];
  }

  async listActivity(params: { limit?: number; cursor?: string | null } = {}): Promise<ActivityPage> {
    const { data } = await this.request<ActivityPage>('GET', 'activity', {
      query: { limit: params.limit, cursor: params.cursor },
    });
    return { activity: data?.activity ?? [], nextCursor: data?.nextCursor ?? null };
  }
}

import { describe, expect, it, vi } from 'vitest';
import { API, fakeFetch, item, json, staticTokens } from '../test/helpers';
import { ApiClient, ApiError, ConflictError, newIdempotencyKey, versionFromETag, type TokenSource } from './client';

describe('ApiClient requests', () => {
  it('sends the ID token as Authorization to the configured base URL, with the query string', async () => {
    const f = fakeFetch(() => json({ items: [item()], nextCursor: 'c2' }));
    const api = new ApiClient('https://api.example.test/prod', staticTokens('tok-123'), f.fetch);
    const page = await api.listItems({ status: 'open', limit: 20, cursor: null });

    expect(page).toEqual({ items: [item()], nextCursor: 'c2' });
    const call = f.calls[0]!;
    expect(call.method).toBe('GET');
    expect(call.url.origin + call.url.pathname).toBe('https://api.example.test/prod/items');
    expect(Object.fromEntries(call.url.searchParams)).toEqual({ status: 'open', limit: '20' });
    expect(call.headers.authorization).toBe('tok-123');
    expect(call.headers.accept).toBe('application/json');
    expect(call.headers['content-type']).toBeUndefined();
  });

  it('sends an Idempotency-Key and a JSON body when creating an item', async () => {
    const f = fakeFetch(() => json(item(), { status: 201 }));
    const api = new ApiClient(API, staticTokens(), f.fetch);
    await api.createItem({ title: 'Buy milk', dueDate: '2025-02-01' }, 'key-1');
    await api.createItem({ title: 'Other' });

    expect(f.calls[0]!.method).toBe('POST');
    expect(f.calls[0]!.headers['idempotency-key']).toBe('key-1');
    expect(f.calls[0]!.headers['content-type']).toBe('application/json');
    expect(f.calls[0]!.body).toEqual({ title: 'Buy milk', dueDate: '2025-02-01' });
    // Without a key, a fresh UUID is generated per call.
    expect(f.calls[1]!.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(f.calls[1]!.headers['idempotency-key']).not.toBe('key-1');
  });

  it('sends If-Match with the quoted version on PATCH and only the given fields', async () => {
    const f = fakeFetch(() => json(item({ title: 'New', version: 4 }), { headers: { ETag: '"4"' } }));
    const api = new ApiClient(API, staticTokens(), f.fetch);
    const updated = await api.updateItem('a/b', { title: 'New' }, 3);

    expect(updated.version).toBe(4);
    const call = f.calls[0]!;
    expect(call.method).toBe('PATCH');
    expect(call.url.pathname).toBe('/prod/items/a%2Fb');
    expect(call.headers['if-match']).toBe('"3"');
    expect(call.body).toEqual({ title: 'New' });
  });

  it('turns 412 into a ConflictError carrying the server message', async () => {
    const f = fakeFetch(() =>
      json({ error: { code: 'version_mismatch', message: 'The item was changed.' } }, { status: 412 }),
    );
    const api = new ApiClient(API, staticTokens(), f.fetch);
    const err = await api.updateItem('i1', { status: 'done' }, 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 412, code: 'version_mismatch', message: 'The item was changed.' });
  });

  it('turns 412 without a body into a ConflictError with a default message', async () => {
    const f = fakeFetch(() => new Response(null, { status: 412 }));
    const api = new ApiClient(API, staticTokens(), f.fetch);
    const err = await api.updateItem('i1', { status: 'done' }, 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as Error).message).toMatch(/changed by someone else/);
  });

  it('parses {"error":{"code","message"}} error bodies', async () => {
    const f = fakeFetch(() => json({ error: { code: 'validation', message: 'title is too long' } }, { status: 400 }));
    const api = new ApiClient(API, staticTokens(), f.fetch);
    await expect(api.createItem({ title: 'x' })).rejects.toMatchObject({
      name: 'ApiError',
      status: 400,
      code: 'validation',
      message: 'title is too long',
    });
  });

  it("says in plain words what the edge's firewall answered", async () => {
    const waf = new ApiClient(
      API,
      staticTokens(),
      fakeFetch(() => json({ error: { code: 'WAF_FILTERED', message: 'Forbidden' } }, { status: 403 })).fetch,
    );
    await expect(waf.getItem('x')).rejects.toMatchObject({ status: 403, code: 'WAF_FILTERED', message: expect.stringMatching(/^The firewall refused/) });
    const limited = new ApiClient(
      API,
      staticTokens(),
      fakeFetch(() => json({ error: { code: 'RATE_LIMITED', message: 'Too many requests from your address.' } }, { status: 429 })).fetch,
    );
    await expect(limited.getItem('x')).rejects.toMatchObject({ status: 429, code: 'RATE_LIMITED', message: 'Too many requests from your address.' });
  });

  it("falls back to API Gateway's {message} and to a status message for non-JSON bodies", async () => {
    const gw = new ApiClient(API, staticTokens(), fakeFetch(() => json({ message: 'Forbidden' }, { status: 403 })).fetch);
    await expect(gw.getItem('x')).rejects.toMatchObject({ status: 403, code: 'HTTP_403', message: 'Forbidden' });
    const html = new ApiClient(API, staticTokens(), fakeFetch(() => new Response('<html>', { status: 502 })).fetch);
    await expect(html.getItem('x')).rejects.toMatchObject({ status: 502, message: 'The server answered 502.' });
  });

  it('reports an unreachable server as status 0', async () => {
    const failing = (async () => {
      throw new TypeError('Failed to fetch');
    }) as unknown as typeof fetch;
    const api = new ApiClient(API, staticTokens(), failing);
    await expect(api.listActivity()).rejects.toMatchObject({ status: 0, code: 'NetworkError' });
  });

  it('handles 204 on delete and calls health without a token', async () => {
    const f = fakeFetch((c) => (c.method === 'DELETE' ? new Response(null, { status: 204 }) : json({ status: 'ok', version: '1.2.3' })));
    const api = new ApiClient(API, staticTokens(), f.fetch);
    await expect(api.deleteItem('i1')).resolves.toBeUndefined();
    await expect(api.health()).resolves.toEqual({ status: 'ok', version: '1.2.3' });
    expect(f.calls[0]!.method).toBe('DELETE');
    expect(f.calls[1]!.headers.authorization).toBeUndefined();
  });

  it('creates attachments and lists them', async () => {
    const att = { id: 'a1', itemId: 'i1', fileName: 'f.txt', contentType: 'text/plain', size: 3, status: 'pending', createdAt: 'x' };
    const f = fakeFetch((c) =>
      c.method === 'POST'
        ? json({ attachment: att, upload: { url: 'https://s3/x', method: 'PUT', headers: {}, expiresAt: 'y' } }, { status: 201 })
        : json({ attachments: [att] }),
    );
    const api = new ApiClient(API, staticTokens(), f.fetch);
    const created = await api.createAttachment('i1', { fileName: 'f.txt', contentType: 'text/plain', size: 3 });
    expect(created.upload.url).toBe('https://s3/x');
    expect(f.calls[0]!.url.pathname).toBe('/prod/items/i1/attachments');
    expect(f.calls[0]!.body).toEqual({ fileName: 'f.txt', contentType: 'text/plain', size: 3 });
    await expect(api.listAttachments('i1')).resolves.toEqual([att]);
  });
});

describe('ApiClient and expired tokens', () => {
  function tokens(): TokenSource & { token: string } {
    const t = {
      token: 'old',
      getIdToken: vi.fn(async () => t.token),
      refreshNow: vi.fn(async () => {
        t.token = 'new';
        return {};
      }),
      expire: vi.fn(),
    };
    return t;
  }

  it('refreshes once on 401 and retries with the new token', async () => {
    const t = tokens();
    const f = fakeFetch((c) => (c.headers.authorization === 'old' ? json({ message: 'Unauthorized' }, { status: 401 }) : json({ activity: [], nextCursor: null })));
    const api = new ApiClient(API, t, f.fetch);
    await expect(api.listActivity()).resolves.toEqual({ activity: [], nextCursor: null });
    expect(f.calls.map((c) => c.headers.authorization)).toEqual(['old', 'new']);
    expect(t.refreshNow).toHaveBeenCalledTimes(1);
    expect(t.expire).not.toHaveBeenCalled();
  });

  it('ends the session when the refreshed token is rejected too', async () => {
    const t = tokens();
    const f = fakeFetch(() => json({ message: 'Unauthorized' }, { status: 401 }));
    const api = new ApiClient(API, t, f.fetch);
    await expect(api.listItems()).rejects.toMatchObject({ status: 401, message: 'Unauthorized' });
    expect(f.calls).toHaveLength(2);
    expect(t.expire).toHaveBeenCalledTimes(1);
  });

  it('does not send a request when signed out', async () => {
    const f = fakeFetch(() => json({}));
    const api = new ApiClient(API, { getIdToken: async () => null, refreshNow: async () => null, expire: () => {} }, f.fetch);
    await expect(api.listItems()).rejects.toMatchObject({ code: 'NotSignedIn' });
    expect(f.calls).toHaveLength(0);
  });
});

describe('helpers', () => {
  it('newIdempotencyKey returns distinct v4 UUIDs', () => {
    const a = newIdempotencyKey();
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newIdempotencyKey()).not.toBe(a);
  });

  it('versionFromETag reads strong and weak ETags', () => {
    expect(versionFromETag('"7"')).toBe(7);
    expect(versionFromETag('W/"12"')).toBe(12);
    expect(versionFromETag(null)).toBeNull();
    expect(versionFromETag('"abc"')).toBeNull();
  });
});

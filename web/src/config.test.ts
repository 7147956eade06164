import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from './config';
import { fakeFetch, json } from './test/helpers';

const valid = {
  apiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod',
  region: 'eu-west-1',
  userPoolId: 'eu-west-1_AbC',
  userPoolClientId: 'client123',
};

describe('parseConfig', () => {
  it('defaults the Cognito endpoint to the regional one and normalizes trailing slashes', () => {
    expect(parseConfig(valid)).toEqual({
      apiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod/',
      region: 'eu-west-1',
      userPoolId: 'eu-west-1_AbC',
      userPoolClientId: 'client123',
      cognitoEndpoint: 'https://cognito-idp.eu-west-1.amazonaws.com/',
    });
  });

  it('uses cognitoEndpoint when given (the local stack)', () => {
    const c = parseConfig({ ...valid, cognitoEndpoint: 'http://localhost:9229' });
    expect(c.cognitoEndpoint).toBe('http://localhost:9229/');
  });

  it('resolves an API path against the site origin (the API served under /v1/ by CloudFront)', () => {
    const c = parseConfig({ ...valid, apiUrl: '/v1/' });
    expect(c.apiUrl).toBe(new URL('/v1/', globalThis.location.origin).toString());
    expect(c.apiUrl.endsWith('/v1/')).toBe(true);
    expect(c.apiUrl.startsWith('http')).toBe(true);
  });

  it('treats an empty or null cognitoEndpoint as absent', () => {
    expect(parseConfig({ ...valid, cognitoEndpoint: null }).cognitoEndpoint).toContain('cognito-idp.eu-west-1');
    expect(parseConfig({ ...valid, cognitoEndpoint: '' }).cognitoEndpoint).toContain('cognito-idp.eu-west-1');
  });

  it('names every problem at once', () => {
    let err: unknown;
    try {
      parseConfig({ apiUrl: 'ftp://x', region: '', userPoolClientId: 7, cognitoEndpoint: 'nope' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain('apiUrl must be an http(s) URL');
    expect(msg).toContain('region is required');
    expect(msg).toContain('userPoolId is required');
    expect(msg).toContain('userPoolClientId is required (got 7)');
    expect(msg).toContain('cognitoEndpoint must be an http(s) URL');
  });

  it('reads the pool\'s MFA configuration when given, and leaves it out when absent', () => {
    expect(parseConfig({ ...valid, mfa: 'ON' }).mfa).toBe('ON');
    expect(parseConfig({ ...valid, mfa: 'OPTIONAL' }).mfa).toBe('OPTIONAL');
    expect(parseConfig({ ...valid, mfa: 'OFF' }).mfa).toBe('OFF');
    expect('mfa' in parseConfig(valid)).toBe(false);
    expect('mfa' in parseConfig({ ...valid, mfa: null })).toBe(false);
    expect(() => parseConfig({ ...valid, mfa: 'REQUIRED' })).toThrow('mfa must be one of "OFF", "OPTIONAL", "ON" (got "REQUIRED")');
    expect(() => parseConfig({ ...valid, mfa: true })).toThrow(/mfa must be one of/);
  });

  it('rejects non-objects', () => {
    expect(() => parseConfig([1])).toThrow(/expected a JSON object/);
    expect(() => parseConfig(null)).toThrow(/expected a JSON object/);
  });
});

describe('loadConfig', () => {
  it('fetches /config.json without caching and parses it', async () => {
    const f = fakeFetch(() => json(valid));
    const c = await loadConfig(f.fetch);
    expect(c.userPoolClientId).toBe('client123');
    expect(f.calls[0]!.url.pathname).toBe('/config.json');
    const init = (f.fetch as unknown as { mock: { calls: [unknown, RequestInit][] } }).mock.calls[0]![1];
    expect(init.cache).toBe('no-store');
  });

  it('reports HTTP errors, bad JSON and network failures as ConfigError', async () => {
    await expect(loadConfig(fakeFetch(() => new Response('nope', { status: 404 })).fetch)).rejects.toThrow(
      'config.json: HTTP 404',
    );
    await expect(loadConfig(fakeFetch(() => new Response('{oops', { status: 200 })).fetch)).rejects.toThrow(
      'not valid JSON',
    );
    const failing = (async () => {
      throw new TypeError('Failed to fetch');
    }) as unknown as typeof fetch;
    await expect(loadConfig(failing)).rejects.toBeInstanceOf(ConfigError);
  });
});

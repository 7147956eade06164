// Runtime configuration, read from /config.json at start so that one build serves every environment.
// The web stack writes config.json next to index.html; the local stack serves its own.

export interface AppConfig {
  /** Base URL of the REST API, always ending in "/" (e.g. https://abc.execute-api.eu-west-1.amazonaws.com/prod/). */
  apiUrl: string;
  /** AWS region of the user pool. */
  region: string;
  userPoolId: string;
  /** The SPA app client (no secret, USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH enabled). */
  userPoolClientId: string;
  /** Cognito JSON API endpoint, always ending in "/": the override from config.json or the regional endpoint. */
  cognitoEndpoint: string;
  /**
   * The user pool's MfaConfiguration: "ON" (every user signs in with an authenticator app; the
   * account page cannot turn it off), "OPTIONAL" (each user chooses on the account page) or "OFF"
   * (no two-step sign-in section). Absent in an older config.json: the app learns from Cognito's
   * answers (a sign-in challenge still works) and offers the account page's section as for OPTIONAL.
   */
  mfa?: MfaConfiguration;
}

export type MfaConfiguration = 'OFF' | 'OPTIONAL' | 'ON';
const MFA_VALUES: readonly string[] = ['OFF', 'OPTIONAL', 'ON'];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const REQUIRED = ['apiUrl', 'region', 'userPoolId', 'userPoolClientId'] as const;

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/** Validates a parsed config.json; throws one ConfigError naming every problem. */
export function parseConfig(raw: unknown): AppConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError('config.json: expected a JSON object');
  }
  const obj = raw as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of REQUIRED) {
    const v = obj[key];
    if (typeof v !== 'string' || v.trim() === '') problems.push(`${key} is required (got ${JSON.stringify(v)})`);
  }
  // A path ("/v1/") is the API served by the site's own origin: the deployed
  // stacks route /v1/* through CloudFront to API Gateway, so no CORS is needed.
  const apiIsPath = typeof obj.apiUrl === 'string' && obj.apiUrl.trim().startsWith('/');
  if (typeof obj.apiUrl === 'string' && obj.apiUrl !== '' && !apiIsPath && !isHttpUrl(obj.apiUrl)) {
    problems.push(`apiUrl must be an http(s) URL or a path on this site (got ${JSON.stringify(obj.apiUrl)})`);
  }
  const endpoint = obj.cognitoEndpoint;
  if (endpoint !== undefined && endpoint !== null && endpoint !== '') {
    if (typeof endpoint !== 'string' || !isHttpUrl(endpoint)) {
      problems.push(`cognitoEndpoint must be an http(s) URL (got ${JSON.stringify(endpoint)})`);
    }
  }
  const mfa = obj.mfa;
  if (mfa !== undefined && mfa !== null && (typeof mfa !== 'string' || !MFA_VALUES.includes(mfa))) {
    problems.push(`mfa must be one of "OFF", "OPTIONAL", "ON" (got ${JSON.stringify(mfa)})`);
  }
  if (problems.length > 0) throw new ConfigError(`config.json: ${problems.join('; ')}`);

  const region = (obj.region as string).trim();
  const config: AppConfig = {
    apiUrl: withSlash(
      apiIsPath
        ? new URL((obj.apiUrl as string).trim(), globalThis.location?.origin ?? 'http://localhost').toString()
        : (obj.apiUrl as string).trim(),
    ),
    region,
    userPoolId: (obj.userPoolId as string).trim(),
    userPoolClientId: (obj.userPoolClientId as string).trim(),
    cognitoEndpoint:
      typeof endpoint === 'string' && endpoint !== ''
        ? withSlash(endpoint.trim())
        : `https://cognito-idp.${region}.amazonaws.com/`,
  };
  if (typeof mfa === 'string') config.mfa = mfa as MfaConfiguration;
  return config;
}

/** Fetches and validates /config.json (never cached: a redeploy may change it). */
export async function loadConfig(fetchImpl: typeof fetch = fetch, url = '/config.json'): Promise<AppConfig> {
  let res: Response;
  try {
    res = await fetchImpl(url, { cache: 'no-store', headers: { Accept: 'application/json' } });
  } catch (err) {
    throw new ConfigError(`config.json: could not be fetched (${(err as Error).message})`);
  }
  if (!res.ok) throw new ConfigError(`config.json: HTTP ${res.status}`);
  let raw: unknown;
  try {
    raw = await res.json();
  } catch {
    throw new ConfigError('config.json: not valid JSON');
  }
  return parseConfig(raw);
}

// Reads (never verifies: the API does that) the claims of a JWT, for display and expiry only.

export interface Claims {
  sub?: string;
  email?: string;
  exp?: number;
  [claim: string]: unknown;
}

function base64UrlDecode(part: string): string {
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** The payload of a JWT, or {} when the token is not a decodable JWT. */
export function decodeClaims(token: string): Claims {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return {};
  try {
    const claims = JSON.parse(base64UrlDecode(parts[1])) as unknown;
    return typeof claims === 'object' && claims !== null ? (claims as Claims) : {};
  } catch {
    return {};
  }
}

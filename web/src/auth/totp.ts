// The otpauth:// URI that authenticator apps read from a QR code (Google's Key URI Format, which
// every common app follows): otpauth://totp/<issuer>:<account>?secret=<base32>&issuer=<issuer>.
// Cognito's software tokens are the RFC 6238 defaults: SHA-1, 6 digits, 30-second steps.

export const TOTP_ISSUER = 'Stratus';

export function totpUri(secret: string, account: string, issuer = TOTP_ISSUER): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const query = new URLSearchParams({ secret, issuer, algorithm: 'SHA1', digits: '6', period: '30' });
  return `otpauth://totp/${label}?${query.toString()}`;
}

/** The key in groups of four, as authenticator apps show it, for typing by hand. */
export function groupSecret(secret: string): string {
  return secret.replace(/\s+/g, '').replace(/(.{4})(?=.)/g, '$1 ');
}

/** A code as typed ("123 456", "123-456") reduced to its digits. */
export function normalizeCode(code: string): string {
  return code.replace(/[\s-]/g, '');
}

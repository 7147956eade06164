// Authenticator-app pieces shared by the sign-in challenge and the account page: the key as a QR
// code (qrcode-generator) and as text to copy, and the one-time code field.

import qrcode from 'qrcode-generator';
import { useMemo, useState, type Ref } from 'react';
import { groupSecret } from '../auth/totp';
import { StatusMessage, TextField } from './ui';

/** The QR modules of `text` as one SVG path (dark squares), for crisp scaling without a canvas. */
export function qrPath(text: string): { size: number; d: string } {
  const qr = qrcode(0, 'M');
  qr.addData(text);
  qr.make();
  const n = qr.getModuleCount();
  let d = '';
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      if (qr.isDark(r, c)) d += `M${c} ${r}h1v1h-1z`;
    }
  }
  return { size: n, d };
}

/** A QR code of `value` (an otpauth:// URI), described for screen readers. */
export function QrCode({ value, label }: { value: string; label: string }) {
  const { size, d } = useMemo(() => qrPath(value), [value]);
  const quiet = 4; // the quiet zone QR readers need, in modules
  const box = size + quiet * 2;
  return (
    <svg
      className="qr-code"
      role="img"
      aria-label={label}
      data-testid="totp-qr"
      viewBox={`${-quiet} ${-quiet} ${box} ${box}`}
      width={box * 4}
      height={box * 4}
      shapeRendering="crispEdges"
    >
      <rect x={-quiet} y={-quiet} width={box} height={box} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}

/**
 * The key for an authenticator app: the QR code of its otpauth:// URI and the key as text with a
 * copy button (for apps on the same device, or typing by hand).
 */
export function TotpKey({ secret, uri, idPrefix }: { secret: string; uri: string; idPrefix: string }) {
  const [copyStatus, setCopyStatus] = useState('');
  const keyId = `${idPrefix}-key`;

  async function copy() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopyStatus('Key copied.');
    } catch {
      // No clipboard (permissions, insecure origin): select the key so the user can copy it.
      const el = document.getElementById(keyId);
      const selection = window.getSelection();
      if (el && selection) {
        const range = document.createRange();
        range.selectNodeContents(el);
        selection.removeAllRanges();
        selection.addRange(range);
      }
      setCopyStatus('Could not copy automatically: the key is selected, copy it with your keyboard.');
    }
  }

  return (
    <div className="totp-key">
      <ol className="steps">
        <li>Open an authenticator app on your phone (for example Google Authenticator, Microsoft Authenticator, 1Password).</li>
        <li>Scan this QR code with it, or enter the key below by hand.</li>
        <li>Enter the 6-digit code the app shows for Stratus.</li>
      </ol>
      <QrCode value={uri} label="QR code with the key for your authenticator app" />
      <p className="key-row">
        Key:{' '}
        <code id={keyId} data-testid="totp-secret">
          {groupSecret(secret)}
        </code>{' '}
        <button type="button" onClick={() => void copy()}>
          Copy key
        </button>
      </p>
      <StatusMessage testId={`${idPrefix}-copy-status`}>{copyStatus}</StatusMessage>
    </div>
  );
}

/** The 6-digit code field: numeric keyboard, one-time-code autofill, linked to its error. */
export function CodeField({
  id,
  label = 'Code from your authenticator app',
  value,
  onChange,
  errorId,
  inputRef,
  hint,
}: {
  id: string;
  label?: string;
  value: string;
  onChange: (v: string) => void;
  /** The id of the error shown about this code, if any. */
  errorId?: string;
  inputRef?: Ref<HTMLInputElement>;
  hint?: string;
}) {
  return (
    <TextField
      id={id}
      label={label}
      inputMode="numeric"
      autoComplete="one-time-code"
      pattern="[0-9 \-]*"
      maxLength={9}
      required
      hint={hint}
      aria-invalid={errorId ? true : undefined}
      aria-describedby={errorId}
      inputRef={inputRef}
      value={value}
      onChange={onChange}
    />
  );
}

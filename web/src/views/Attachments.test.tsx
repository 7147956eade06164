import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { Attachment } from '../api/types';
import { fakeFetch, json, renderWithServices, servicesWith } from '../test/helpers';
import { Attachments } from './Attachments';

class FakeXhr {
  static last: FakeXhr | null = null;
  headers: Record<string, string> = {};
  url = '';
  status = 0;
  upload: { onprogress: ((e: ProgressEvent) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  constructor() {
    FakeXhr.last = this;
  }
  open(_m: string, url: string) {
    this.url = url;
  }
  setRequestHeader(k: string, v: string) {
    this.headers[k] = v;
  }
  send() {}
  abort() {
    this.onabort?.();
  }
}

const pending: Attachment = {
  id: 'a1',
  itemId: 'i1',
  fileName: 'notes.txt',
  contentType: 'text/plain',
  size: 5,
  status: 'pending',
  createdAt: '2025-01-01T00:00:00Z',
};

describe('Attachments', () => {
  it('uploads with progress, then polls until the attachment is ready', async () => {
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    let lists = 0;
    let uploaded = false;
    const f = fakeFetch((c) => {
      if (c.method === 'POST') {
        return json(
          { attachment: pending, upload: { url: 'https://uploads.test/k', method: 'PUT', headers: { 'Content-Type': 'text/plain' }, expiresAt: 'x' } },
          { status: 201 },
        );
      }
      if (!uploaded) return json({ attachments: [] });
      lists++;
      return json({ attachments: [{ ...pending, status: lists >= 2 ? 'ready' : 'pending' }] });
    });
    renderWithServices(<Attachments itemId="i1" pollMs={10} />, servicesWith(f.fetch));
    expect(await screen.findByText('No attachments yet.')).toBeTruthy();

    await userEvent.upload(screen.getByLabelText('Add an attachment'), new File(['hello'], 'notes.txt', { type: 'text/plain' }));
    await waitFor(() => expect(FakeXhr.last?.url).toBe('https://uploads.test/k'));
    expect(f.calls.find((c) => c.method === 'POST')!.body).toEqual({ fileName: 'notes.txt', contentType: 'text/plain', size: 5 });
    expect(FakeXhr.last!.headers).toEqual({ 'Content-Type': 'text/plain' });

    FakeXhr.last!.upload.onprogress?.({ lengthComputable: true, loaded: 3, total: 6 } as ProgressEvent);
    const bar = (await screen.findByLabelText('Uploading notes.txt')) as HTMLProgressElement;
    await waitFor(() => expect(bar.getAttribute('value')).toBe('50'));

    uploaded = true;
    FakeXhr.last!.status = 200;
    FakeXhr.last!.onload?.();

    expect((await screen.findByTestId('attachments-status')).textContent).toContain('Uploaded notes.txt');
    await waitFor(() => expect(screen.getByTestId('attachment-row').getAttribute('data-status')).toBe('ready'));
    expect(screen.getByTestId('status-badge').textContent).toBe('ready');
    expect(screen.getByTestId('attachments-status').textContent).toBe('notes.txt is ready.');
    const polls = lists;
    await new Promise((r) => setTimeout(r, 50));
    expect(lists).toBe(polls); // no more polling once nothing is pending
    vi.unstubAllGlobals();
  });
});

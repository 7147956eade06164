import { describe, expect, it } from 'vitest';
import { uploadFile } from './upload';

class FakeXhr {
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: unknown;
  status = 0;
  upload: { onprogress: ((e: ProgressEvent) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(k: string, v: string) {
    this.headers[k] = v;
  }
  send(body: unknown) {
    this.body = body;
  }
  abort() {
    this.onabort?.();
  }
  progress(loaded: number, total: number) {
    this.upload.onprogress?.({ lengthComputable: true, loaded, total } as ProgressEvent);
  }
  finish(status: number) {
    this.status = status;
    this.onload?.();
  }
}

const target = {
  url: 'https://uploads.example.test/key?X-Amz-Signature=abc',
  method: 'PUT' as const,
  headers: { 'Content-Type': 'text/plain', 'x-amz-server-side-encryption': 'aws:kms', 'Content-Length': '5' },
  expiresAt: '2030-01-01T00:00:00Z',
};

describe('uploadFile', () => {
  it('PUTs the file with the presigned headers and reports progress', async () => {
    const xhr = new FakeXhr();
    const progress: number[] = [];
    const file = new Blob(['hello'], { type: 'text/plain' });
    const h = uploadFile(target, file, (p) => progress.push(p), () => xhr as unknown as XMLHttpRequest);
    expect(xhr.method).toBe('PUT');
    expect(xhr.url).toBe(target.url);
    expect(xhr.headers).toEqual({ 'Content-Type': 'text/plain', 'x-amz-server-side-encryption': 'aws:kms' });
    expect(xhr.headers.Authorization).toBeUndefined();
    expect(xhr.body).toBe(file);
    xhr.progress(2, 5);
    xhr.finish(200);
    await h.done;
    expect(progress).toEqual([0.4, 1]);
  });

  it('rejects on a non-2xx answer, on a network error and on abort', async () => {
    const a = new FakeXhr();
    const ha = uploadFile(target, new Blob(['x']), undefined, () => a as unknown as XMLHttpRequest);
    a.finish(403);
    await expect(ha.done).rejects.toMatchObject({ status: 403, code: 'UploadFailed' });

    const b = new FakeXhr();
    const hb = uploadFile(target, new Blob(['x']), undefined, () => b as unknown as XMLHttpRequest);
    b.onerror?.();
    await expect(hb.done).rejects.toMatchObject({ status: 0, code: 'UploadFailed' });

    const c = new FakeXhr();
    const hc = uploadFile(target, new Blob(['x']), undefined, () => c as unknown as XMLHttpRequest);
    hc.abort();
    await expect(hc.done).rejects.toMatchObject({ code: 'UploadAborted' });
  });
});

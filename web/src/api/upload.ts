// PUTs a file to a presigned upload URL with XMLHttpRequest (fetch has no upload progress).
// No Authorization header: the URL's signature is the authorization.

import { ApiError } from './client';
import type { UploadTarget } from './types';

export interface UploadHandle {
  /** Resolves when the storage service accepted the file (2xx). */
  done: Promise<void>;
  abort(): void;
}

/** Headers a browser refuses to set itself; a presigned URL may list them, the browser sends them anyway. */
const FORBIDDEN = new Set(['content-length', 'host', 'connection', 'expect', 'keep-alive', 'transfer-encoding']);

export function uploadFile(
  target: UploadTarget,
  file: Blob,
  onProgress?: (fraction: number) => void,
  newXhr: () => XMLHttpRequest = () => new XMLHttpRequest(),
): UploadHandle {
  const xhr = newXhr();
  const done = new Promise<void>((resolve, reject) => {
    xhr.open(target.method || 'PUT', target.url);
    for (const [name, value] of Object.entries(target.headers ?? {})) {
      if (!FORBIDDEN.has(name.toLowerCase())) xhr.setRequestHeader(name, value);
    }
    xhr.upload.onprogress = (e: ProgressEvent) => {
      if (e.lengthComputable && e.total > 0) onProgress?.(Math.min(1, e.loaded / e.total));
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress?.(1);
        resolve();
      } else {
        reject(new ApiError(xhr.status, 'UploadFailed', `The upload was refused (HTTP ${xhr.status}).`));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, 'UploadFailed', 'The upload failed: the storage service could not be reached.'));
    xhr.onabort = () => reject(new ApiError(0, 'UploadAborted', 'The upload was cancelled.'));
    xhr.send(file);
  });
  return { done, abort: () => xhr.abort() };
}

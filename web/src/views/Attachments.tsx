// An item's attachments: upload through a presigned URL with progress, then poll while any
// attachment is still pending (the uploads bucket's events mark it ready or rejected).

import { useCallback, useEffect, useRef, useState, type ChangeEvent } from 'react';
import { uploadFile, type UploadHandle } from '../api/upload';
import type { Attachment } from '../api/types';
import { ErrorMessage, Loading, StatusBadge, StatusMessage, formatBytes, messageOf } from '../components/ui';
import { useServices } from '../services';

export const POLL_MS = 2000;

interface Upload {
  fileName: string;
  progress: number;
}

export function Attachments({ itemId, pollMs = POLL_MS }: { itemId: string; pollMs?: number }) {
  const { api } = useServices();
  const [attachments, setAttachments] = useState<Attachment[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [upload, setUpload] = useState<Upload | null>(null);
  const [uploadError, setUploadError] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const inputRef = useRef<HTMLInputElement>(null);
  const handleRef = useRef<UploadHandle | null>(null);
  const mounted = useRef(true);
  /** The attachment this tab uploaded last, announced when it leaves "pending". */
  const watching = useRef<{ id: string; fileName: string } | null>(null);

  const refresh = useCallback(async () => {
    try {
      const list = await api.listAttachments(itemId);
      if (!mounted.current) return;
      setAttachments(list);
      setLoadError(null);
      const w = watching.current;
      const done = w && list.find((a) => a.id === w.id && a.status !== 'pending');
      if (w && done) {
        watching.current = null;
        setStatus(done.status === 'ready' ? `${w.fileName} is ready.` : `${w.fileName} was rejected.`);
      }
    } catch (err) {
      if (mounted.current) setLoadError(messageOf(err));
    }
  }, [api, itemId]);

  useEffect(() => {
    mounted.current = true;
    void refresh();
    return () => {
      mounted.current = false;
      handleRef.current?.abort();
    };
  }, [refresh]);

  const anyPending = attachments?.some((a) => a.status === 'pending') ?? false;
  useEffect(() => {
    if (!anyPending || upload) return;
    const t = setTimeout(() => void refresh(), pollMs);
    return () => clearTimeout(t);
  }, [anyPending, upload, attachments, refresh, pollMs]);

  async function onFile(e: ChangeEvent<HTMLInputElement>) {
    const file = e.target.files?.[0];
    if (!file) return;
    setUploadError(null);
    setStatus('');
    setUpload({ fileName: file.name, progress: 0 });
    try {
      const created = await api.createAttachment(itemId, {
        fileName: file.name,
        contentType: file.type || 'application/octet-stream',
        size: file.size,
      });
      if (!mounted.current) return;
      setAttachments((list) => [created.attachment, ...(list ?? []).filter((a) => a.id !== created.attachment.id)]);
      const handle = uploadFile(created.upload, file, (p) => mounted.current && setUpload({ fileName: file.name, progress: p }));
      handleRef.current = handle;
      await handle.done;
      if (!mounted.current) return;
      watching.current = { id: created.attachment.id, fileName: file.name };
      setStatus(`Uploaded ${file.name}. Checking it…`);
    } catch (err) {
      if (mounted.current) setUploadError(`${file.name}: ${messageOf(err)}`);
    } finally {
      handleRef.current = null;
      if (mounted.current) {
        setUpload(null);
        if (inputRef.current) inputRef.current.value = '';
        void refresh();
      }
    }
  }

  return (
    <section className="card attachments" aria-labelledby="attachments-heading" data-testid="attachments">
      <h2 id="attachments-heading">Attachments</h2>

      {attachments === null && !loadError ? (
        <Loading label="Loading attachments…" />
      ) : loadError && attachments === null ? (
        <ErrorMessage message={loadError} onRetry={() => void refresh()} testId="attachments-error" />
      ) : attachments && attachments.length === 0 ? (
        <p className="empty" data-testid="attachments-empty">
          No attachments yet.
        </p>
      ) : (
        <ul className="attachment-list" data-testid="attachment-list">
          {attachments?.map((a) => (
            <li key={a.id} data-testid="attachment-row" data-status={a.status}>
              <span className="file-name">{a.fileName}</span>
              <span className="file-size">{formatBytes(a.size)}</span>
              <StatusBadge status={a.status} />
            </li>
          ))}
        </ul>
      )}

      <div className="field upload">
        <label htmlFor="attachment-file">Add an attachment</label>
        <input id="attachment-file" ref={inputRef} type="file" onChange={onFile} disabled={upload !== null} />
      </div>
      {upload && (
        <div className="upload-progress" data-testid="upload-progress">
          <label htmlFor="upload-progress-bar">Uploading {upload.fileName}</label>
          <progress id="upload-progress-bar" max={100} value={Math.round(upload.progress * 100)}>
            {Math.round(upload.progress * 100)}%
          </progress>
          <span aria-hidden="true"> {Math.round(upload.progress * 100)}%</span>
          <button type="button" onClick={() => handleRef.current?.abort()}>
            Cancel upload
          </button>
        </div>
      )}
      {uploadError && <ErrorMessage message={uploadError} testId="upload-error" />}
      {loadError && attachments !== null && <ErrorMessage message={loadError} testId="attachments-error" />}
      <StatusMessage testId="attachments-status">{status}</StatusMessage>
    </section>
  );
}

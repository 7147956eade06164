// The API contract (implemented by lambdas/api; routes declared once in Go).

export type ItemStatus = 'open' | 'done';

export interface Item {
  id: string;
  title: string;
  notes: string;
  status: ItemStatus;
  /** YYYY-MM-DD or null. */
  dueDate: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface ItemPage {
  items: Item[];
  nextCursor: string | null;
}

export interface NewItem {
  title: string;
  notes?: string;
  status?: ItemStatus;
  dueDate?: string | null;
}

export type ItemPatch = Partial<Pick<Item, 'title' | 'notes' | 'status' | 'dueDate'>>;

export type AttachmentStatus = 'pending' | 'ready' | 'rejected';

export interface Attachment {
  id: string;
  itemId: string;
  fileName: string;
  contentType: string;
  size: number;
  status: AttachmentStatus;
  createdAt: string;
}

export interface UploadTarget {
  url: string;
  method: 'PUT';
  headers: Record<string, string>;
  expiresAt: string;
}

export interface NewAttachment {
  attachment: Attachment;
  upload: UploadTarget;
}

export interface ActivityEntry {
  id: string;
  type: string;
  itemId: string | null;
  summary: string;
  occurredAt: string;
}

export interface ActivityPage {
  activity: ActivityEntry[];
  nextCursor: string | null;
}

export interface Health {
  status: string;
  version: string;
}

/** Field limits, as validated by the API. */
export const LIMITS = { title: 200, notes: 10_000 } as const;

/**
 * Typed events from a deploy. The engine emits them; reporters (one per CI system) consume
 * them. Nothing here carries a credential.
 */
import type { Reason } from './plan.js';
import { StoreError } from './store/store.js';

export type Phase = 'scan' | 'list' | 'compare' | 'upload-assets' | 'upload-entries' | 'delete';

export type DeployEvent =
  | {
      type: 'start';
      source: string;
      target: string;
      credentials: string;
      /** `s3://bucket/key` of the deploy state. */
      state: string;
      dryRun: boolean;
    }
  | { type: 'phase'; phase: Phase; count?: number }
  /** The plan is made: what the deploy will do (progress bars need the totals up front). */
  | {
      type: 'plan';
      upload: number;
      /** Objects whose settings are replaced in place (their bytes stay). */
      update: number;
      uploadBytes: number;
      delete: number;
      skip: number;
      keep: number;
    }
  | { type: 'uploaded'; key: string; bytes: number; reason: Reason; parts: number }
  /** An object's settings were replaced in place; `detail` names them, old → new. */
  | { type: 'updated'; key: string; detail: string }
  | { type: 'deleted'; key: string }
  | { type: 'failed'; key: string; operation: 'upload' | 'update' | 'delete'; message: string }
  | { type: 'retry'; key: string; operation: string; code: string; attempt: number; waitMs: number }
  | { type: 'warning'; message: string }
  /** A presigned GET link for a deployed key (spec `presign`); `expiresAt` is ISO 8601. */
  | { type: 'presigned'; key: string; url: string; expiresAt: string }
  /** A CloudFront invalidation was created for the changed paths (spec `cloudfront`). */
  | { type: 'invalidated'; distributionId: string; invalidationId: string; paths: string[] };

export type EventSink = (event: DeployEvent) => void;

/** The event for one retry of a store request (the executor's and the listing's alike). */
export function retryEvent(
  operation: string,
  key: string,
  error: unknown,
  attempt: number,
  waitMs: number,
): DeployEvent {
  const code = error instanceof StoreError ? error.code : 'Error';
  return { type: 'retry', key, operation, code, attempt, waitMs };
}

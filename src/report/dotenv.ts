/**
 * The dotenv report for GitLab's `artifacts:reports:dotenv`: the run's counts as variables that
 * later jobs receive (`needs:`). GitLab accepts at most 5 KB and one `NAME=value` per line,
 * values on one line; every value here is a number, a word or a percent-encoded URL, so no
 * quoting or `$` expansion can bite.
 */
import type { RunResult } from '../deploy.js';
import type { ReportedError } from './reporter.js';
import { countsOf } from './summary.js';

/** GitLab's limit for a dotenv artifact. */
export const DOTENV_MAX_BYTES = 5 * 1024;

/** Characters outside a conservative URL set are percent-encoded (the prefix may hold any). */
const safe = (value: string) =>
  value.replace(/[^A-Za-z0-9._~:/@+-]/gu, (c) => encodeURIComponent(c));

export type DeployStatus = 'success' | 'failed' | 'planned';

export function dotenvFromResult(result: RunResult, dryRun: boolean): string {
  const c = countsOf(result);
  const failed = c.failed > 0 || c.notRun > 0 || result.fatal !== undefined;
  const status: DeployStatus = dryRun ? 'planned' : failed ? 'failed' : 'success';
  return lines({
    S3SHIP_STATUS: status,
    S3SHIP_UPLOADED: c.uploaded,
    S3SHIP_UPDATED: c.updated,
    S3SHIP_DELETED: c.deleted,
    S3SHIP_SKIPPED: c.skipped,
    S3SHIP_FAILED: c.failed,
    S3SHIP_NOT_RUN: c.notRun,
    S3SHIP_KEPT: c.kept,
    S3SHIP_NOT_OWNED: c.notOwned,
    S3SHIP_BYTES: c.uploadedBytes,
    S3SHIP_DURATION_MS: Math.round(result.durationMs),
    S3SHIP_TARGET: safe(`s3://${result.target.bucket}/${result.target.prefix}`),
  });
}

export function dotenvFromError(error: ReportedError): string {
  return lines({
    S3SHIP_STATUS: 'failed',
    S3SHIP_ERROR_CODE: error.code,
    S3SHIP_UPLOADED: 0,
    S3SHIP_DELETED: 0,
    S3SHIP_SKIPPED: 0,
    S3SHIP_FAILED: 0,
    S3SHIP_BYTES: 0,
  });
}

function lines(values: Record<string, string | number>): string {
  const text = Object.entries(values)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
  // Only a target of ~1 KB could come near; cut it rather than have GitLab drop the whole file.
  return `${Buffer.byteLength(text) > DOTENV_MAX_BYTES - 1 ? text.slice(0, DOTENV_MAX_BYTES - 64) : text}\n`;
}

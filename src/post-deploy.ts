/**
 * What follows a successful deploy, when the spec asks: presigned GET links for chosen files
 * (spec `presign`), and a CloudFront invalidation of the changed paths (spec `cloudfront`).
 * Both report through events; a failed invalidation fails the run (the CDN would go on
 * serving old copies), presigning cannot fail short of a programming error.
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { DeployConfig } from './config.js';
import type { EventSink } from './events.js';
import type { Outcome } from './execute.js';
import { createInvalidation, invalidationPaths } from './invalidate.js';
import type { Plan } from './plan.js';
import { presignGet } from './presign.js';
import { compileGlobs } from './settings.js';
import { createS3Client } from './store/sdk-client.js';
import type { StoreTarget } from './store/store.js';

export interface AfterDeployInput {
  config: DeployConfig;
  target: StoreTarget;
  plan: Plan;
  /** The executor's result: nothing follows a deploy that failed in any part. */
  result: { outcomes: readonly Outcome[]; fatal?: string | undefined };
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  emit: EventSink;
  clockOffsetMs?: number;
}

/** Runs the post-deploy steps; returns the failure message when one failed. */
export async function afterDeploy(input: AfterDeployInput): Promise<string | undefined> {
  const { outcomes, fatal } = input.result;
  if (fatal !== undefined || outcomes.some((o) => o.status !== 'done')) return undefined;
  if (input.config.presign) await emitLinks(input, input.config.presign);
  const cloudfront = input.config.cloudfront;
  if (!cloudfront) return undefined;
  const changed = outcomes.map((o) => o.item.key);
  if (changed.length === 0) return undefined;
  const paths = invalidationPaths(changed, cloudfront);
  if (paths.length === 0) {
    input.emit({
      type: 'warning',
      message: `no changed key is under cloudfront.origin_path "${cloudfront.originPath}": nothing was invalidated`,
    });
    return undefined;
  }
  try {
    const result = await createInvalidation(cloudfront, paths, input.credentials);
    input.emit({
      type: 'invalidated',
      distributionId: cloudfront.distributionId,
      invalidationId: result.id,
      paths,
    });
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Links for the deployed files matching `presign.match` (uploaded now or already there). */
async function emitLinks(
  input: AfterDeployInput,
  presign: NonNullable<DeployConfig['presign']>,
): Promise<void> {
  const matches = compileGlobs(presign.match);
  const items = [...input.plan.assets, ...input.plan.entries, ...input.plan.others].filter(
    (i) => i.file !== undefined && i.action !== 'keep' && matches(i.file.relPath),
  );
  if (items.length === 0) {
    input.emit({
      type: 'warning',
      message: `presign.match (${presign.match.join(', ')}) matches no deployed file: no links`,
    });
    return;
  }
  const offset = input.clockOffsetMs ?? 0;
  const client = createS3Client({
    target: input.target,
    pathStyle: input.config.target.pathStyle,
    credentials: input.credentials,
    maxSockets: 1,
    clockOffsetMs: offset,
  });
  try {
    for (const item of items.sort((a, b) => a.key.localeCompare(b.key))) {
      const link = await presignGet(
        client,
        input.target.bucket,
        item.key,
        presign.expiresInSeconds,
        Date.now() + offset,
      );
      input.emit({ type: 'presigned', ...link });
    }
  } finally {
    client.destroy();
  }
}

/**
 * The least IAM policy a spec needs, as JSON a user can paste: list the bucket (only under
 * the prefix), read and write objects under the prefix, and — only when the spec uses them —
 * delete, set ACLs, use a KMS key, keep the deploy state outside the prefix, and invalidate a
 * CloudFront distribution.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html
 */
import type { DeployConfig } from '../config.js';
import { arnBucket, arnObjects } from '../explain.js';
import { stateLocation } from '../state/location.js';

interface Statement {
  Sid: string;
  Effect: 'Allow';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string[]>>;
}

export interface IamPolicy {
  Version: '2012-10-17';
  Statement: Statement[];
}

/** The object actions a deploy of this spec performs. */
export function objectActions(config: DeployConfig): string[] {
  const actions = ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload'];
  if (config.delete.enabled) actions.push('s3:DeleteObject');
  if (usesAcls(config)) actions.push('s3:PutObjectAcl');
  return actions;
}

/** Whether any rule sends an ACL or grants (they need s3:PutObjectAcl). */
export function usesAcls(config: DeployConfig): boolean {
  return config.rules.some(
    (r) =>
      r.acl !== undefined ||
      r.grantRead !== undefined ||
      r.grantReadAcp !== undefined ||
      r.grantWriteAcp !== undefined ||
      r.grantFullControl !== undefined,
  );
}

export function minimalPolicy(config: DeployConfig): IamPolicy {
  const t = config.target;
  const list: Statement = {
    Sid: 'ListTheDeployPrefix',
    Effect: 'Allow',
    Action: 's3:ListBucket',
    Resource: arnBucket(t),
    // ListObjectsV2 asks with prefix=<prefix>; "<prefix>*" matches it and nothing outside.
    ...(t.prefix ? { Condition: { StringLike: { 's3:prefix': [`${t.prefix}*`] } } } : {}),
  };
  const objects: Statement = {
    Sid: 'WriteObjectsUnderThePrefix',
    Effect: 'Allow',
    Action: objectActions(config),
    Resource: arnObjects(t),
  };
  const statements = [list, objects];
  if (t.endpoint && config.delete.enabled) {
    // Ceph RGW (16) authorises a multi-object delete (DeleteObjects) against the bucket itself
    // before checking each key, so S3-compatible stores get the bucket ARN too (harmless on AWS).
    statements.push({
      Sid: 'MultiObjectDeleteOnS3CompatibleStores',
      Effect: 'Allow',
      Action: 's3:DeleteObject',
      Resource: arnBucket(t),
    });
  }
  const kmsKeys = [...new Set(config.rules.flatMap((r) => (r.sseKmsKeyId ? [r.sseKmsKeyId] : [])))];
  if (kmsKeys.length > 0) {
    statements.push({
      Sid: 'UseTheKmsKey',
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      // Key ids and aliases are not ARNs; the user has to complete those.
      Resource: kmsKeys.map((k) =>
        k.startsWith('arn:') ? k : `arn:aws:kms:<region>:<account>:key/${k}`,
      ),
    });
  }
  const state = stateLocation(config);
  if (state.bucket !== t.bucket || !state.key.startsWith(t.prefix)) {
    // The deploy state outside the prefix: read and written each deploy; its shard parts are
    // listed and removed by `prune`.
    statements.push(
      {
        Sid: 'KeepTheDeployState',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        Resource: `arn:aws:s3:::${state.bucket}/${state.key}*`,
      },
      {
        Sid: 'ListTheDeployStateParts',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: `arn:aws:s3:::${state.bucket}`,
        Condition: { StringLike: { 's3:prefix': [`${state.key}*`] } },
      },
    );
  }
  if (config.cloudfront) {
    statements.push({
      Sid: 'InvalidateTheDistribution',
      Effect: 'Allow',
      Action: 'cloudfront:CreateInvalidation',
      Resource: `arn:aws:cloudfront::*:distribution/${config.cloudfront.distributionId}`,
    });
  }
  return { Version: '2012-10-17', Statement: statements };
}

/**
 * More users on the test gateway, made with radosgw-admin (idempotent: an existing user is
 * reused). A second user owns no bucket of the test user's, so what it may do there is exactly
 * what a bucket policy grants it — the way a deploy role is restricted on AWS.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { gatewayDir } from './gateway.js';

const run = promisify(execFile);

export interface RgwUser {
  uid: string;
  accessKeyId: string;
  secretAccessKey: string;
}

async function admin(args: string[]): Promise<string> {
  const { stdout } = await run('radosgw-admin', args, {
    env: { ...process.env, CEPH_CONF: path.join(gatewayDir(), 'ceph.conf') },
  });
  return stdout;
}

/** The user `uid` with these keys, created if missing. */
export async function ensureRgwUser(user: RgwUser): Promise<RgwUser> {
  const existing = await admin(['user', 'info', `--uid=${user.uid}`]).catch(() => undefined);
  if (existing?.includes(user.accessKeyId)) return user;
  await admin([
    'user',
    'create',
    `--uid=${user.uid}`,
    `--display-name=${user.uid}`,
    `--access-key=${user.accessKeyId}`,
    `--secret=${user.secretAccessKey}`,
  ]);
  return user;
}

/** A user with no rights of its own on the test buckets (a bucket policy gives it some). */
export const READER: RgwUser = {
  uid: 's3ship-e2e-reader',
  accessKeyId: 'S3SHIPREADER0000001',
  secretAccessKey: 's3shipreadersecret00000000000000000001',
};

/** The principal ARN RGW bucket policies use for a user (no tenant, no account id). */
export function principalOf(user: RgwUser): string {
  return `arn:aws:iam:::user/${user.uid}`;
}

/**
 * IAM setup on the test gateway for the credentials tests, through its IAM API (the same
 * endpoint; the S3 user has caps roles=*;oidc-provider=*;user-policy=*, see scripts/rgw-up.sh):
 * register a local OIDC issuer as an identity provider, create roles whose policy allows one
 * bucket, for web identity (trust: the provider, token subjects) or for AssumeRole (trust: the
 * gateway's S3 user). Names are unique per test run, so runs sharing the gateway never collide.
 */
import { randomBytes } from 'node:crypto';
import { awsCli, testGateway } from './s3.js';
import type { OidcIssuer } from './oidc.js';

/** Fails with the CLI's output: setup errors must say what went wrong. */
async function iam(args: string[]): Promise<string> {
  const result = await awsCli(['iam', ...args, '--output', 'json']);
  if (result.code !== 0) {
    throw new Error(`aws iam ${args[0]} failed (exit ${result.code}): ${result.stderr}`);
  }
  return result.stdout;
}

export function requireSts(): void {
  if (!testGateway().stsEnabled) {
    throw new Error(
      'the test gateway runs without STS (S3_STS_ENABLED=0 in its s3.env): stop it with ' +
        'scripts/rgw-down.sh when no other test uses it; the next test run starts one with STS',
    );
  }
}

/** Registers `issuer` with the given client ids (audiences); returns the provider ARN. */
export async function registerIssuer(
  issuer: OidcIssuer,
  clientIds: string[] = ['sts.amazonaws.com'],
): Promise<string> {
  const out = await iam([
    'create-open-id-connect-provider',
    '--url',
    issuer.url,
    '--client-id-list',
    ...clientIds,
    '--thumbprint-list',
    issuer.thumbprint,
  ]);
  return (JSON.parse(out) as { OpenIDConnectProviderArn: string }).OpenIDConnectProviderArn;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** A policy allowing every S3 action on one bucket and its objects, and nothing else. */
function bucketPolicy(bucket: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['s3:*'],
        Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
      },
    ],
  });
}

async function createRole(name: string, trust: object, bucket: string): Promise<string> {
  const out = await iam([
    'create-role',
    '--role-name',
    name,
    '--assume-role-policy-document',
    JSON.stringify(trust),
  ]);
  await iam([
    'put-role-policy',
    '--role-name',
    name,
    '--policy-name',
    'one-bucket',
    '--policy-document',
    bucketPolicy(bucket),
  ]);
  return (JSON.parse(out) as { Role: { Arn: string } }).Role.Arn;
}

/** A role tokens of `issuer` may assume when their subject matches one of `subjects` (globs). */
export function createWebIdentityRole(
  name: string,
  issuer: OidcIssuer,
  subjects: string[],
  bucket: string,
): Promise<string> {
  return createRole(
    name,
    {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: [`arn:aws:iam:::oidc-provider/${issuer.host}`] },
          Action: ['sts:AssumeRoleWithWebIdentity'],
          Condition: { StringLike: { [`${issuer.host}:sub`]: subjects } },
        },
      ],
    },
    bucket,
  );
}

/** A role the gateway's own S3 user may assume with AssumeRole (role chaining, profiles). */
export function createUserRole(name: string, bucket: string): Promise<string> {
  return createRole(
    name,
    {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: ['arn:aws:iam:::user/testuser'] },
          Action: ['sts:AssumeRole'],
        },
      ],
    },
    bucket,
  );
}

/** What one CLI run printed and wrote (report files), for the secret scan. */
export interface Transcript {
  name: string;
  stdout: string;
  stderr: string;
  files: string[];
}

const MASK_LINE = /^::add-mask::(.*)$/gm;
/** Shapes no output of ours has: a JWT, or a long base64 run (session tokens, secret blobs). */
const SECRET_SHAPES = [/eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}/, /[A-Za-z0-9+/=]{80,}/];

/**
 * Looks for `known` secrets, for the values the CLI itself announced with `::add-mask::`
 * (GitHub runs: the STS keys and session tokens it got), and for secret-shaped strings, in
 * every transcript with the `::add-mask::` lines taken out (the runner consumes those).
 */
export function findLeaks(
  transcripts: Transcript[],
  known: string[],
): { masked: string[]; leaks: string[] } {
  const masked = new Set<string>();
  for (const t of transcripts)
    for (const m of t.stdout.matchAll(MASK_LINE))
      masked.add(m[1]!.replaceAll('%0A', '\n').replaceAll('%0D', '\r').replaceAll('%25', '%'));
  const secrets = [...new Set([...known, ...masked])].filter((s) => s.length >= 8);
  const leaks: string[] = [];
  for (const t of transcripts) {
    const texts = {
      stdout: t.stdout.replace(MASK_LINE, ''),
      stderr: t.stderr,
      files: t.files.join('\n'),
    };
    for (const [where, text] of Object.entries(texts)) {
      for (const s of secrets)
        if (text.includes(s)) leaks.push(`${t.name} ${where}: a secret (${s.slice(0, 4)}…)`);
      for (const shape of SECRET_SHAPES) {
        const hit = shape.exec(text)?.[0];
        if (hit) leaks.push(`${t.name} ${where}: secret-shaped ${hit.slice(0, 12)}…`);
      }
    }
  }
  return { masked: [...masked], leaks };
}

/**
 * Processes for the CI end-to-end tests: a clean environment (nothing of the host's CI, AWS or
 * s3ship variables leaks in), the test gateway's credentials, Node 24 first on PATH, and a
 * spawn that captures both streams.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT, testGateway } from './s3.js';

export const BIN_DIR = path.join(REPO_ROOT, 'node_modules', '.bin');
export const NODE24 = path.join(BIN_DIR, 'node');

const HOST_CI =
  /^(AWS_|S3SHIP_|S3_|GITHUB_|GITLAB_|CI_|CI$|RUNNER_|INPUT_|JENKINS_|BUILD_|JOB_|EXECUTOR_|ACTIONS_|FORCE_COLOR$|NO_COLOR$)/;

/** The environment of a CI job talking to the test gateway, plus `extra` (undefined removes). */
export function ciEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const gw = testGateway();
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(process.env)) if (!HOST_CI.test(k)) env[k] = v;
  Object.assign(env, {
    PATH: `${BIN_DIR}${path.delimiter}${process.env.PATH ?? ''}`,
    AWS_ACCESS_KEY_ID: gw.accessKeyId,
    AWS_SECRET_ACCESS_KEY: gw.secretAccessKey,
    AWS_REGION: gw.region,
    AWS_CONFIG_FILE: '/nonexistent/s3ship-test/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/s3ship-test/aws-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  });
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) clean[k] = v;
  return clean;
}

export interface Captured {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function spawnCapture(
  command: string,
  args: string[],
  options: { env: Record<string, string>; cwd: string; input?: string; timeoutMs?: number },
): Promise<Captured> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input);
  });
}

/**
 * Runs dist/cli.js under `strace -f` and reports, from the kernel's side, every file the process
 * tree wrote: opened for writing, created, truncated, renamed or linked. Used to prove that
 * s3ship writes nothing but what it was asked to (and never a credential) anywhere on disk.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { node24, REPO_ROOT, testGateway } from './s3.js';

export interface TracedRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Absolute paths written (outside /dev and /proc). */
  written: string[];
}

/**
 * Runs the CLI in `cwd` with a fresh HOME and TMPDIR under it, the test credentials, and `env`
 * on top (undefined removes a variable); the strace log goes to `log`.
 */
export async function tracedCli(
  args: string[],
  env: Record<string, string | undefined>,
  cwd: string,
  log: string,
): Promise<TracedRun> {
  const home = path.join(cwd, 'home');
  const tmp = path.join(cwd, 'tmp');
  await mkdir(home, { recursive: true });
  await mkdir(tmp, { recursive: true });
  const gw = testGateway();
  const childEnv: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  const all: Record<string, string | undefined> = {
    HOME: home,
    TMPDIR: tmp,
    AWS_ACCESS_KEY_ID: gw.accessKeyId,
    AWS_SECRET_ACCESS_KEY: gw.secretAccessKey,
    AWS_REGION: gw.region,
    AWS_CONFIG_FILE: path.join(home, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'no-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...env,
  };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) childEnv[k] = v;
  const argv = [
    '-f',
    '-qq',
    '-o',
    log,
    '-e',
    'trace=open,openat,creat,rename,renameat,renameat2,link,linkat,symlink,symlinkat,truncate',
    node24(),
    path.join(REPO_ROOT, 'dist', 'cli.js'),
    ...args,
  ];
  const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      const child = spawn('strace', argv, { cwd, env: childEnv });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      child.on('error', reject);
      child.on('close', (code) =>
        resolve({
          code,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
        }),
      );
    },
  );
  return { ...result, written: writtenPaths(await readFile(log, 'utf8'), cwd) };
}

/** Paths a strace log shows opened for writing (or created, renamed, linked) successfully. */
export function writtenPaths(log: string, cwd: string): string[] {
  const paths = new Set<string>();
  for (const line of log.split('\n')) {
    if (/= -1 /.test(line)) continue;
    const open = /open(?:at)?\((?:AT_FDCWD, )?"([^"]+)", ([A-Z_|]+)/.exec(line);
    if (open && /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC/.test(open[2]!)) paths.add(open[1]!);
    const creat = /\b(?:creat|truncate)\("([^"]+)"/.exec(line);
    if (creat) paths.add(creat[1]!);
    const moved =
      /\b(?:rename|renameat2?|link|linkat|symlink|symlinkat)\(.*"([^"]+)"[^"]*\) = 0/.exec(line);
    if (moved) paths.add(moved[1]!);
  }
  return [...paths]
    .map((p) => path.resolve(cwd, p))
    .filter((p) => !p.startsWith('/dev/') && !p.startsWith('/proc/'));
}

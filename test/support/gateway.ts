/**
 * The local S3 gateway for end-to-end tests: a throwaway Ceph RADOS Gateway on 127.0.0.1
 * started by scripts/rgw-up.sh (about 3 s) and stopped by scripts/rgw-down.sh.
 *
 * `ensureGateway()` reuses a gateway that is already running (its `s3.env` exists and the
 * endpoint answers) and otherwise starts one; `stopGateway()` stops it only if we started it.
 * Used by test/support/global-setup.ts; test files read the result from process.env
 * (see test/support/s3.ts), they do not call this themselves.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Gateway {
  /** e.g. http://127.0.0.1:7480 */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** The gateway's log (client.rgw.*.log): one `beast:` access line per request. */
  rgwLog: string;
  /** True only if this process started the gateway (so it may stop it). */
  startedByUs: boolean;
  /** Data dir of the gateway (CEPH_DIR), default /tmp/s3ship-rgw. */
  cephDir: string;
  /** Whether the gateway was started with ENABLE_STS=1. */
  stsEnabled: boolean;
}

export interface EnsureGatewayOptions {
  /**
   * New gateways start with STS (the credentials tests need it) unless this is false; true
   * also makes reusing a running gateway without STS an error.
   */
  sts?: boolean;
  /** How long to wait for a start (ours or a concurrent one). Default 120 s. */
  timeoutMs?: number;
  /** Progress messages (default: stderr). */
  log?: (message: string) => void;
}

/** Repository root (this file is test/support/gateway.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');

/** The gateway's data dir: $CEPH_DIR if set, else /tmp/s3ship-rgw (as the scripts). */
export function gatewayDir(): string {
  return (process.env.CEPH_DIR || '/tmp/s3ship-rgw').replace(/\/+$/, '');
}

let startedHere: Gateway | undefined;

function parseEnvFile(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) vars[m[1]!] = m[2]!.trim().replace(/^(['"])(.*)\1$/, '$2');
  }
  return vars;
}

function findRgwLog(cephDir: string): string {
  const logDir = path.join(cephDir, 'log');
  const name = existsSync(logDir)
    ? readdirSync(logDir).find((f) => /^client\.rgw\..*\.log$/.test(f))
    : undefined;
  return path.join(logDir, name ?? 'client.rgw.gw.log');
}

/** The gateway described by `<cephDir>/s3.env`, or undefined if there is none (not whether it answers). */
export function readGatewayEnv(cephDir = gatewayDir()): Omit<Gateway, 'startedByUs'> | undefined {
  const file = path.join(cephDir, 's3.env');
  if (!existsSync(file)) return undefined;
  const v = parseEnvFile(readFileSync(file, 'utf8'));
  if (!v.S3_ENDPOINT || !v.AWS_ACCESS_KEY_ID || !v.AWS_SECRET_ACCESS_KEY) return undefined;
  return {
    endpoint: v.S3_ENDPOINT,
    accessKeyId: v.AWS_ACCESS_KEY_ID,
    secretAccessKey: v.AWS_SECRET_ACCESS_KEY,
    region: v.AWS_REGION || v.AWS_DEFAULT_REGION || 'us-east-1',
    rgwLog: v.S3_RGW_LOG || findRgwLog(cephDir),
    cephDir,
    stsEnabled: v.S3_STS_ENABLED === '1',
  };
}

/** True if something answers HTTP at `endpoint` (any status: the gateway answers `/` anonymously). */
export function gatewayAnswers(endpoint: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(endpoint, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(true));
      res.on('error', () => resolve(true));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
  });
}

/** Is any daemon recorded in `<cephDir>/pids` still alive (and still ours: its command line names cephDir)? */
function daemonsAlive(cephDir: string): boolean {
  const pidDir = path.join(cephDir, 'pids');
  if (!existsSync(pidDir)) return false;
  for (const f of readdirSync(pidDir)) {
    if (!f.endsWith('.pid')) continue;
    const pid = Number(readFileSync(path.join(pidDir, f), 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(`${cephDir}/`)) return true;
    } catch {
      // gone
    }
  }
  return false;
}

// ---- sharing one gateway between concurrent test runs --------------------------------------
// Every test run using the gateway holds a lease `<cephDir>.users/<pid>`; a gateway started by a
// test run is marked `<cephDir>/started-by-tests`. The last test run to leave stops a marked
// gateway (even if another run started it), so one run never pulls the gateway from under
// another, and a gateway started by hand or by the demo is never stopped by the tests.

const MARKER = 'started-by-tests';
const leaseDir = (cephDir: string) => `${cephDir}.users`;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function takeLease(cephDir: string): void {
  mkdirSync(leaseDir(cephDir), { recursive: true });
  writeFileSync(path.join(leaseDir(cephDir), String(process.pid)), `${new Date().toISOString()}\n`);
}

/** Drops our lease (and leases of dead processes); returns the PIDs of other live users. */
function dropLease(cephDir: string): number[] {
  const dir = leaseDir(cephDir);
  const others: number[] = [];
  if (!existsSync(dir)) return others;
  for (const f of readdirSync(dir)) {
    const pid = Number(f);
    if (pid === process.pid || !Number.isInteger(pid) || pid <= 0 || !pidAlive(pid)) {
      rmSync(path.join(dir, f), { force: true });
    } else {
      others.push(pid);
    }
  }
  return others;
}

interface ScriptResult {
  code: number | null;
  output: string;
}

function runScript(script: string, env: Record<string, string>): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(REPO_ROOT, 'scripts', script)], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Answers within 3 tries of 5 s? (a busy gateway must not be taken for a dead one and restarted) */
async function answersPatiently(endpoint: string): Promise<boolean> {
  for (let i = 0; i < 3; i++) {
    if (await gatewayAnswers(endpoint, 5000)) return true;
    await sleep(300);
  }
  return false;
}

/**
 * A running gateway: the one described by $CEPH_DIR/s3.env if it answers, else a new one
 * started with scripts/rgw-up.sh (a stale data dir is cleaned with rgw-down.sh first; a start
 * in progress elsewhere is waited for).
 */
export async function ensureGateway(options: EnsureGatewayOptions = {}): Promise<Gateway> {
  const cephDir = gatewayDir();
  const timeoutMs = options.timeoutMs ?? 120_000;
  const log = options.log ?? ((m: string) => process.stderr.write(`[s3ship tests] ${m}\n`));
  const deadline = Date.now() + timeoutMs;

  const reuse = (existing: Omit<Gateway, 'startedByUs'>): Gateway => {
    if (options.sts && !existing.stsEnabled) {
      throw new Error(
        `the running gateway (${existing.endpoint}, ${cephDir}) was started without STS; ` +
          `stop it with scripts/rgw-down.sh so a new one can be started with ENABLE_STS=1`,
      );
    }
    takeLease(cephDir);
    return { ...existing, startedByUs: false };
  };

  let retried = false;
  for (;;) {
    const existing = readGatewayEnv(cephDir);
    if (existing && (await answersPatiently(existing.endpoint))) return reuse(existing);

    if (!existing && daemonsAlive(cephDir) && Date.now() < deadline) {
      // Another process is starting it (no s3.env yet): wait rather than disturb it.
      await sleep(250);
      continue;
    }
    if (existing || daemonsAlive(cephDir) || existsSync(path.join(cephDir, 'pids'))) {
      // Stale (daemons dead, or a gateway that does not answer): clean up by recorded PID.
      log(`gateway in ${cephDir} is not answering; cleaning it up`);
      await runScript('rgw-down.sh', { CEPH_DIR: cephDir, FAST: '1' });
    }

    const t0 = performance.now();
    const res = await runScript('rgw-up.sh', {
      CEPH_DIR: cephDir,
      ENABLE_STS: options.sts === false ? '0' : '1',
    });
    const started = readGatewayEnv(cephDir);
    if (res.code === 0 && started) {
      log(
        `started Ceph RGW at ${started.endpoint} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
      writeFileSync(path.join(cephDir, MARKER), `${process.pid}\n`);
      takeLease(cephDir);
      startedHere = { ...started, startedByUs: true };
      return startedHere;
    }
    // A concurrent start may have won the lock or the ports: retry once to reuse it.
    if (!retried && /another rgw-up\.sh|already in use|has pid files/.test(res.output)) {
      retried = true;
      await sleep(1000);
      continue;
    }
    throw new Error(`scripts/rgw-up.sh failed (exit ${res.code}):\n${res.output}`);
  }
}

/**
 * Leave the gateway that ensureGateway() returned (default: the one this process started), and
 * stop it if this is the last test run using it and a test run started it (`startedByUs`, or
 * another run that has already left: its `started-by-tests` marker). A gateway started by hand
 * or by `npm run demo` is never stopped. Returns true if it was stopped.
 */
export async function stopGateway(
  gateway?: Pick<Gateway, 'startedByUs' | 'cephDir'>,
  options: { log?: (message: string) => void } = {},
): Promise<boolean> {
  const gw = gateway ?? startedHere;
  if (!gw) return false;
  const log = options.log ?? ((m: string) => process.stderr.write(`[s3ship tests] ${m}\n`));
  const others = dropLease(gw.cephDir);
  const startedByTests = gw.startedByUs || existsSync(path.join(gw.cephDir, MARKER));
  if (!startedByTests) return false;
  if (others.length > 0) {
    log(`gateway left running: still used by test run(s) ${others.join(', ')}`);
    return false;
  }
  // FAST: SIGKILL at once (about 0.1 s instead of 5 s); the data is throwaway
  const res = await runScript('rgw-down.sh', { CEPH_DIR: gw.cephDir, FAST: '1' });
  if (res.code !== 0)
    throw new Error(`scripts/rgw-down.sh failed (exit ${res.code}):\n${res.output}`);
  if (startedHere?.cephDir === gw.cephDir) startedHere = undefined;
  return true;
}

/**
 * Leave the gateway without stopping it, and unmark it (S3SHIP_KEEP_GATEWAY=1): later test runs
 * reuse it and no longer stop it; it runs until scripts/rgw-down.sh.
 */
export function releaseGateway(gateway: Pick<Gateway, 'cephDir'>): void {
  dropLease(gateway.cephDir);
  rmSync(path.join(gateway.cephDir, MARKER), { force: true });
  if (startedHere?.cephDir === gateway.cephDir) startedHere = undefined;
}

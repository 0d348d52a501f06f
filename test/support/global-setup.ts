/**
 * Jest globalSetup: starts (or reuses) the local S3 gateway, but only when the run includes an
 * end-to-end test (a file under test/e2e/), so `npm test -- test/unit` never starts Ceph.
 * The gateway is published to the test files through process.env (the variables below; jest
 * runs globalSetup in its main process before it creates the test workers, which inherit it).
 *
 *   S3SHIP_TEST_ENDPOINT, S3SHIP_TEST_ACCESS_KEY_ID, S3SHIP_TEST_SECRET_ACCESS_KEY,
 *   S3SHIP_TEST_REGION, S3SHIP_TEST_RGW_LOG, S3SHIP_TEST_STS_ENABLED
 *
 * Knobs: S3SHIP_TEST_GATEWAY=1 always starts it, =0 never; a gateway is started with STS, and
 * S3SHIP_TEST_STS=1 also refuses to reuse one running without it;
 * S3SHIP_KEEP_GATEWAY=1 (read by global-teardown.ts) leaves a gateway we started running.
 * Concurrent test runs share one gateway (see the lease notes in gateway.ts).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';

// Jest loads globalSetup/globalTeardown outside its test module system: compiled to CommonJS
// and require()d with no moduleNameMapper, so a static `import './gateway.js'` fails (there is
// only gateway.ts). Loading the .ts path through a variable works both ways: SWC turns it into
// require('./gateway.ts'), which jest's require hook compiles; were it ever loaded as native
// ESM, Node 24 imports the .ts itself (type stripping; gateway.ts uses erasable syntax only).
// (A literal './gateway.ts' would need allowImportingTsExtensions in tsconfig.)
type GatewayModule = typeof import('./gateway.js');
const GATEWAY_TS: string = './gateway.ts';
export const loadGatewayModule = (): Promise<GatewayModule> =>
  import(GATEWAY_TS) as Promise<GatewayModule>;

/** The parts of jest's GlobalConfig / ProjectConfig read here (jest 30). */
interface TestPathPatternsLike {
  patterns?: string[];
  toExecutor?: (options: { rootDir: string }) => { isMatch(absPath: string): boolean };
}
interface GlobalConfigLike {
  rootDir: string;
  testPathPatterns?: TestPathPatternsLike;
  findRelatedTests?: boolean;
  onlyChanged?: boolean;
  changedSince?: string;
  lastCommit?: boolean;
  onlyFailures?: boolean;
}
interface ProjectConfigLike {
  rootDir: string;
  testPathIgnorePatterns?: string[];
}

/** For global-teardown.ts: the gateway's dir, and whether this setup started it. */
export const USED_DIR = 'S3SHIP_TEST_GATEWAY_DIR';
export const STARTED = 'S3SHIP_TEST_GATEWAY_STARTED';

function e2eTestFiles(rootDir: string): string[] {
  const dir = path.join(rootDir, 'test', 'e2e');
  try {
    return readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

/** Mirrors jest's own file selection closely enough: path patterns and ignore patterns. */
function selectsE2eTest(globalConfig: GlobalConfigLike, projectConfig: ProjectConfigLike): boolean {
  const rootDir = projectConfig.rootDir || globalConfig.rootDir;
  const ignore = (projectConfig.testPathIgnorePatterns ?? []).map((p) => new RegExp(p));
  const files = e2eTestFiles(rootDir).filter((f) => !ignore.some((re) => re.test(f)));
  if (files.length === 0) return false;
  // Selections that depend on git or on the last run: cannot tell cheaply, so assume yes.
  if (
    globalConfig.findRelatedTests ||
    globalConfig.onlyChanged ||
    globalConfig.changedSince ||
    globalConfig.lastCommit ||
    globalConfig.onlyFailures
  ) {
    return true;
  }
  const tpp = globalConfig.testPathPatterns;
  const patterns = tpp?.patterns ?? [];
  if (patterns.length === 0) return true;
  if (typeof tpp?.toExecutor === 'function') {
    const executor = tpp.toExecutor({ rootDir });
    return files.some((f) => executor.isMatch(f));
  }
  // Fallback: jest's rule (case-insensitive regex against the relative or absolute path).
  return files.some((f) =>
    patterns.some((p) => {
      const re = new RegExp(p.replace(/^\.\//, '^'), 'i');
      return re.test(path.relative(rootDir, f)) || re.test(f);
    }),
  );
}

export default async function globalSetup(
  globalConfig: GlobalConfigLike,
  projectConfig: ProjectConfigLike,
): Promise<void> {
  const force = process.env.S3SHIP_TEST_GATEWAY;
  const needed =
    force === '1' ? true : force === '0' ? false : selectsE2eTest(globalConfig, projectConfig);
  if (!needed) return;

  const { ensureGateway } = await loadGatewayModule();
  const gw = await ensureGateway(process.env.S3SHIP_TEST_STS === '1' ? { sts: true } : {});
  process.env.S3SHIP_TEST_ENDPOINT = gw.endpoint;
  process.env.S3SHIP_TEST_ACCESS_KEY_ID = gw.accessKeyId;
  process.env.S3SHIP_TEST_SECRET_ACCESS_KEY = gw.secretAccessKey;
  process.env.S3SHIP_TEST_REGION = gw.region;
  process.env.S3SHIP_TEST_RGW_LOG = gw.rgwLog;
  process.env.S3SHIP_TEST_STS_ENABLED = gw.stsEnabled ? '1' : '0';
  process.env[USED_DIR] = gw.cephDir;
  process.env[STARTED] = gw.startedByUs ? '1' : '0';
}

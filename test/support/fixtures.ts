/** Small builders shared by the offline tests. */
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DEFAULTS, type DeployConfig } from '../../src/config.js';

export async function tempTree(files: Record<string, string | Buffer>): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 's3ship-test-'));
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(root, rel);
    await mkdir(path.dirname(abs), { recursive: true });
    await writeFile(abs, content);
  }
  return root;
}

export function testConfig(source: string, overrides: Partial<DeployConfig> = {}): DeployConfig {
  return {
    specFile: undefined,
    target: { bucket: 'mem', prefix: '', region: undefined, endpoint: undefined, pathStyle: true },
    source,
    include: [...DEFAULTS.include],
    exclude: [...DEFAULTS.exclude],
    keep: [],
    followOutsideSymlinks: false,
    rules: [],
    entryDocuments: [...DEFAULTS.entryDocuments],
    allowEmptySource: false,
    delete: { enabled: false, max: DEFAULTS.maxDelete },
    immutableChanges: 'warn',
    concurrency: DEFAULTS.concurrency,
    multipart: { threshold: DEFAULTS.multipartThreshold, partSize: DEFAULTS.partSize },
    ...overrides,
  };
}

export const noWait = {
  attempts: 5,
  baseMs: 1,
  maxMs: 1,
  sleep: async () => undefined,
  random: () => 0,
};

/** loadConfig on a real (temporary) filesystem: finding the spec, flags alone, errors. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { S3shipError, SpecError } from '../../src/errors.js';
import { loadConfig, type LoadOptions } from '../../src/spec/load.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 's3ship-spec-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fresh directory under the test root holding `files`. */
async function dir(name: string, files: Record<string, string> = {}): Promise<string> {
  const at = path.join(root, name);
  await mkdir(at, { recursive: true });
  for (const [file, text] of Object.entries(files)) await writeFile(path.join(at, file), text);
  return at;
}

const options = (cwd: string, more: Partial<LoadOptions> = {}): LoadOptions => ({
  overrides: {},
  env: {},
  cwd,
  ...more,
});

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected loadConfig to fail');
    },
    (error: unknown) => error,
  );
}

const SPEC = 'version: 1\nsource: public\ntarget: { bucket: from-spec }\n';

describe('loadConfig', () => {
  it('finds s3ship.yml in cwd before s3ship.yaml', async () => {
    const cwd = await dir('both', { 's3ship.yml': SPEC, 's3ship.yaml': 'nonsense: [' });
    const config = await loadConfig(options(cwd));
    expect(config.specFile).toBe(path.join(cwd, 's3ship.yml'));
    expect(config.source).toBe(path.join(cwd, 'public'));
  });

  it('falls back to s3ship.yaml', async () => {
    const cwd = await dir('yaml', { 's3ship.yaml': SPEC });
    expect((await loadConfig(options(cwd))).specFile).toBe(path.join(cwd, 's3ship.yaml'));
  });

  it('resolves source against the spec file directory, --source against cwd', async () => {
    const cwd = await dir('nested');
    await dir('nested/site', { 'deploy.yml': SPEC });
    const spec = await loadConfig(options(cwd, { specFile: 'site/deploy.yml' }));
    expect(spec.source).toBe(path.join(cwd, 'site', 'public'));
    const flag = await loadConfig(
      options(cwd, { specFile: 'site/deploy.yml', overrides: { source: 'out' } }),
    );
    expect(flag.source).toBe(path.join(cwd, 'out'));
  });

  it('names the spec file relative to cwd in problems', async () => {
    const cwd = await dir('bad', {
      's3ship.yml': 'version: 1\nsource: x\ntarget: { bucket: abc }\nconcurrency: 0\n',
    });
    const error = await failure(loadConfig(options(cwd)));
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).details).toEqual([
      's3ship.yml:4:14: concurrency: expected an integer from 1 to 256, got 0',
    ]);
  });

  it('builds the config from flags alone when there is no spec', async () => {
    const cwd = await dir('flags-only');
    const config = await loadConfig(
      options(cwd, {
        overrides: { source: 'out', bucket: 'flag-bucket', endpoint: 'http://127.0.0.1:7480' },
      }),
    );
    expect(config.specFile).toBeUndefined();
    expect(config.source).toBe(path.join(cwd, 'out'));
    expect(config.target).toMatchObject({ bucket: 'flag-bucket', pathStyle: true });
  });

  it('asks for --source and --bucket when there is no spec', async () => {
    const cwd = await dir('nothing');
    const error = await failure(loadConfig(options(cwd, { overrides: { concurrency: 300 } })));
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).details).toEqual([
      '<flags>: --source: required: pass --source (no spec file was found)',
      '<flags>: --bucket: required: pass --bucket (no spec file was found)',
      '<flags>: --concurrency: expected an integer from 1 to 256, got 300',
    ]);
  });

  it('reports a missing spec file as a usage error naming the path', async () => {
    const cwd = await dir('missing');
    const error = await failure(loadConfig(options(cwd, { specFile: 'nope.yml' })));
    expect(error).toBeInstanceOf(S3shipError);
    expect(error).not.toBeInstanceOf(SpecError);
    expect((error as S3shipError).code).toBe('USAGE');
    expect((error as S3shipError).message).toContain(path.join(cwd, 'nope.yml'));
    expect((error as S3shipError).exitCode).toBe(2);
  });

  it('refuses a directory as the spec file', async () => {
    const cwd = await dir('is-dir');
    await dir('is-dir/s3ship.yml');
    const error = await failure(loadConfig(options(cwd, { specFile: 's3ship.yml' })));
    expect((error as S3shipError).code).toBe('USAGE');
  });

  it('refuses a spec over 1 MiB without reading it', async () => {
    const cwd = await dir('huge', { 's3ship.yml': `# ${'x'.repeat(1024 * 1024 + 1)}\n` });
    const error = await failure(loadConfig(options(cwd)));
    expect((error as SpecError).problems[0]?.message).toMatch(/at most 1 MiB/);
  });

  it('expands variables from the given env only', async () => {
    const cwd = await dir('env', {
      's3ship.yml': 'version: 1\nsource: x\ntarget: { bucket: "${B}" }\n',
    });
    process.env.B = 'from-process-env';
    try {
      const error = await failure(loadConfig(options(cwd)));
      expect((error as SpecError).problems[0]?.message).toMatch(/B is not set/);
      const config = await loadConfig(options(cwd, { env: { B: 'from-env' } }));
      expect(config.target.bucket).toBe('from-env');
    } finally {
      delete process.env.B;
    }
  });
});

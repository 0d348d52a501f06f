// The tools the benchmark runs, each syncing a directory into a bucket on the local gateway.
// A peer that is not installed is skipped (and said so). Placeholders: {src} {bucket} {ep}.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const node = path.join(root, 'node_modules', '.bin', 'node');

const has = (bin) => {
  try {
    execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** aws CLI v1 is the pip one (not on PATH as /usr/bin/aws); v2 is Debian's /usr/bin/aws. */
function awsV1() {
  try {
    const out = execFileSync('sh', ['-c', 'command -v aws && aws --version'], { encoding: 'utf8' });
    const [bin, version] = out.trim().split('\n');
    return bin !== '/usr/bin/aws' && /aws-cli\/1\./.test(version ?? '') ? bin : undefined;
  } catch {
    return undefined;
  }
}

export function tools(only) {
  const v1 = awsV1();
  const list = [
    {
      name: 's3ship',
      cmd: `${node} ${root}/dist/cli.js deploy --source {src} --bucket {bucket} --endpoint {ep} --region us-east-1`,
      ok: existsSync(path.join(root, 'dist', 'cli.js')),
    },
    // aws s3 sync decides by size + mtime
    {
      name: 'awscli2',
      cmd: '/usr/bin/aws --endpoint-url {ep} s3 sync --only-show-errors {src} s3://{bucket}/',
      ok: existsSync('/usr/bin/aws'),
    },
    {
      name: 'awscli1',
      cmd: `${v1} --endpoint-url {ep} s3 sync --only-show-errors {src} s3://{bucket}/`,
      ok: v1 !== undefined,
    },
    // rclone: size + mtime by default; --checksum compares MD5s (its recommended mode for this)
    {
      name: 'rclone',
      cmd: 'env -u AWS_CA_BUNDLE rclone sync --transfers 16 --checkers 16 {src} rgw:{bucket}',
      ok: has('rclone'),
    },
    {
      name: 'rclone-checksum',
      cmd: 'env -u AWS_CA_BUNDLE rclone sync --checksum --transfers 16 --checkers 16 {src} rgw:{bucket}',
      ok: has('rclone'),
    },
    // s3cmd compares MD5s by default
    {
      name: 's3cmd',
      cmd: 's3cmd --no-ssl --host={hostport} --host-bucket={hostport} --access_key={ak} --secret_key={sk} --no-progress -q sync {src}/ s3://{bucket}/',
      ok: has('s3cmd'),
    },
    // s3-sync-client (npm), size + mtime, on the same Node 24
    {
      name: 's3-sync-client',
      cmd: `${node} ${here}/ssc-sync.mjs {src} {bucket}`,
      ok: existsSync(path.join(root, 'node_modules', 's3-sync-client')),
    },
  ];
  return list.filter((t) => !only || only.includes(t.name));
}

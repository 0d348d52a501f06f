// The bench's view of the local gateway: start it if needed, make and empty buckets, and
// count what it logged (PUT requests and bytes received, per bucket) since a mark.
import { execFileSync } from 'node:child_process';
import { existsSync, openSync, readFileSync, readSync, closeSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';

const CEPH_DIR = process.env.CEPH_DIR ?? '/tmp/s3ship-rgw';

function readEnv() {
  const file = path.join(CEPH_DIR, 's3.env');
  if (!existsSync(file)) return undefined;
  const env = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^export (\w+)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2];
  }
  return env;
}

function answers(endpoint) {
  try {
    execFileSync('curl', ['-s', '-o', '/dev/null', '--max-time', '3', `${endpoint}/`]);
    return true;
  } catch {
    return false;
  }
}

/** Reuses a running gateway or starts one with scripts/rgw-up.sh (memstore sized for the work). */
export function ensureGateway(root, { memstoreBytes }) {
  let env = readEnv();
  if (!env || !answers(env.S3_ENDPOINT)) {
    console.log(`starting the gateway (memstore ${memstoreBytes / 2 ** 30} GiB)`);
    execFileSync('bash', [path.join(root, 'scripts', 'rgw-up.sh')], {
      stdio: 'inherit',
      env: { ...process.env, MEMSTORE_BYTES: String(memstoreBytes) },
    });
    env = readEnv();
  } else {
    const conf = readFileSync(path.join(CEPH_DIR, 'ceph.conf'), 'utf8');
    const have = Number(/memstore device bytes = (\d+)/.exec(conf)?.[1] ?? 0);
    if (have < memstoreBytes)
      console.log(
        `note: the running gateway keeps ${have / 2 ** 30} GiB in RAM; ${memstoreBytes / 2 ** 30} GiB is advised for this run`,
      );
  }
  const version = execFileSync('radosgw', ['--version'], { encoding: 'utf8' })
    .trim()
    .split(' ')
    .slice(0, 3)
    .join(' ');
  const client = new S3Client({
    endpoint: env.S3_ENDPOINT,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
  });
  return {
    env,
    endpoint: env.S3_ENDPOINT,
    log: env.S3_RGW_LOG ?? path.join(CEPH_DIR, 'log', 'client.rgw.gw.log'),
    client,
    version,
  };
}

export async function createBucket(gw, name) {
  const bucket = name
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 63);
  await gw.client.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

/** Deletes one object (the big file, so that the next `big` repetition adds it again). */
export async function deleteObject(gw, bucket, key) {
  await gw.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}

/**
 * Frees the data of deleted and overwritten objects now. The gateway frees it later, in its
 * garbage collector (every 30 s here, see scripts/rgw-up.sh): left alone, freeing a replaced
 * 256 MiB object lands in the middle of whichever run comes next and bills that run for the
 * gateway's CPU (the same 256 MiB upload measured 2.0, 3.1 and 3.7 s in a row from that alone).
 */
export function collectGarbage() {
  const conf = path.join(CEPH_DIR, 'ceph.conf');
  const admin = ['radosgw-admin', '-c', conf, '-n', 'client.admin'];
  execFileSync('timeout', ['120', ...admin, 'gc', 'process', '--include-all'], { stdio: 'ignore' });
}

/** Deletes every object and the bucket, so the in-RAM store has room for the next tool. */
export async function emptyBucket(gw, bucket) {
  let token;
  do {
    const page = await gw.client.send(
      new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }),
    );
    const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key }));
    if (keys.length)
      await gw.client.send(
        new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }),
      );
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  await gw.client.send(new DeleteBucketCommand({ Bucket: bucket }));
  collectGarbage();
}

/**
 * Puts the gateway through the work once before anyone is measured: a big object in parts and
 * a few hundred small ones, then deletes them. A gateway fresh from rgw-up.sh is slower at its
 * first big writes (its in-RAM store is still growing): s3ship, measured first, saw its `big`
 * take 2.6–2.9 s right after a restart and 1.7–1.8 s on the same gateway minutes later, and
 * the tools measured after it never paid that.
 */
export async function warmUp(gw, bigMib) {
  const bucket = await createBucket(gw, `warm-up-${Date.now().toString(36)}`);
  const part = Buffer.alloc(8 * 2 ** 20, 0x5a);
  const { UploadId } = await gw.client.send(
    new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'big' }),
  );
  const parts = [];
  for (let n = 1; n <= Math.max(1, Math.ceil(bigMib / 8)); n++) {
    const { ETag } = await gw.client.send(
      new UploadPartCommand({ Bucket: bucket, Key: 'big', UploadId, PartNumber: n, Body: part }),
    );
    parts.push({ ETag, PartNumber: n });
  }
  await gw.client.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: 'big',
      UploadId,
      MultipartUpload: { Parts: parts },
    }),
  );
  const small = Buffer.alloc(4096, 0x5a);
  for (let i = 0; i < 500; i += 25)
    await Promise.all(
      Array.from({ length: 25 }, (_, j) =>
        gw.client.send(new PutObjectCommand({ Bucket: bucket, Key: `s/${i + j}`, Body: small })),
      ),
    );
  await emptyBucket(gw, bucket);
  await settle();
}

/** CPU ticks (user + system) used so far by the gateway's processes (radosgw, OSD, monitor). */
export function gatewayTicks() {
  let pids = [];
  try {
    pids = execFileSync('pgrep', ['-x', 'radosgw|ceph-osd|ceph-mon'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean);
  } catch {
    return 0;
  }
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {
      // the process ended between pgrep and the read
    }
  }
  return ticks;
}

/**
 * Waits until the gateway is idle: it keeps working after a run (deleting, logging, peering),
 * and on 2 cores that work would be billed to whichever tool runs next. Idle = under 10% of one
 * core for half a second; gives up after 20 s. Returns the seconds waited.
 */
export async function settle() {
  const started = Date.now();
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  let before = gatewayTicks();
  while (Date.now() - started < 20_000) {
    await sleep(500);
    const now = gatewayTicks();
    if (now - before < 5) break;
    before = now;
  }
  return (Date.now() - started) / 1000;
}

export function logMark(gw) {
  return statSync(gw.log).size;
}

const LINE = / beast: \S+ \S+ - \S+ \[[^\]]*\] "(\S+) (\S+) [^"]*" (\d{3}) (\d+|-)/;

/** PUT requests (objects and parts, not bucket creation) and bytes received for `bucket`. */
export async function countSince(gw, mark, bucket) {
  await new Promise((r) => setTimeout(r, 300)); // the gateway logs a request as it completes
  const size = statSync(gw.log).size;
  const buf = Buffer.alloc(size - mark);
  const fd = openSync(gw.log, 'r');
  readSync(fd, buf, 0, buf.length, mark);
  closeSync(fd);
  let puts = 0;
  let bytes = 0;
  for (const line of buf.toString('utf8').split('\n')) {
    const m = LINE.exec(line);
    if (!m || m[1] !== 'PUT') continue;
    const p = m[2].split('?')[0];
    if (!p.startsWith(`/${bucket}/`)) continue;
    puts++;
    bytes += m[4] === '-' ? 0 : Number(m[4]);
  }
  return { puts, bytes };
}

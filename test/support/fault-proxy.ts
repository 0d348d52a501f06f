/**
 * A fault-injecting proxy between s3ship and the test gateway, on 127.0.0.1. It forwards HTTP
 * requests byte for byte (the Host header is kept, so SigV4 signatures stay valid) and, as told,
 * injects what a flaky network or a struggling store does to a client:
 *
 * - `status`: answers `503 SlowDown`, `500 InternalError`… itself (with `Retry-After` if asked);
 * - `reset-request`: forwards about half of the request body, then resets both connections
 *   (the gateway sees a truncated upload, the client `ECONNRESET` mid-PUT or mid-part);
 * - `reset-response`: forwards the whole request, lets the gateway answer, then resets the
 *   client connection instead of relaying the answer (the work was done; the client cannot know);
 * - `stall`: forwards the request, then holds the gateway's answer back for `ms` (longer than
 *   the client's idle timeout);
 * - `down()`: stops listening and resets every open connection — what a client sees when the
 *   gateway process dies (`ECONNREFUSED` for new connections); `up()` listens again, same port;
 * - `blackhole`: accepts connections and never answers (a hung gateway or a dropped route);
 * - `delayMs` / `uploadBytesPerSecond`: a slow store or a slow link, for timing-sensitive tests.
 *
 * Which requests get a fault is decided by a seeded generator, so a failing run can be replayed.
 * Every request is recorded for the assertions: method, target, its S3 operation, the request
 * body bytes the client sent, the status the client got, what happened, start/end. Sum the bytes
 * per operation with `bodyBytesByOperation` / `objectBytesSent` (test/support/s3-operations.ts).
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { s3Operation, type S3Operation } from './s3-operations.js';

export type Fault =
  | { kind: 'status'; status: number; code: string; retryAfter?: string }
  | { kind: 'reset-request' }
  | { kind: 'reset-response' }
  | { kind: 'stall'; ms: number };

export interface FaultRule {
  /** Requests the rule applies to; all when absent. `target` is the path with the query. */
  match?: { method?: string; target?: RegExp };
  /** Chance (0–1) that a matching request gets the fault. */
  rate: number;
  /** Injections at most (default: no limit). */
  limit?: number;
  fault: Fault;
}

export interface ProxyOptions {
  /** The gateway, e.g. http://127.0.0.1:7480. */
  upstream: string;
  /** Seed of the generator that picks faulted requests. */
  seed?: number;
}

export interface ProxiedRequest {
  method: string;
  target: string;
  /** The S3 operation, from method, target and headers (`CopyObject`: a PUT with x-amz-copy-source). */
  operation: S3Operation;
  /**
   * Request body bytes read from the client so far: all of them once `end` is set, whether the
   * proxy forwarded them or dropped them with a fault (about half for `reset-request`).
   */
  bodyBytes: number;
  /** The status the client got (the gateway's, or an injected one); undefined if none. */
  status: number | undefined;
  /** `forwarded:<status>`, a fault kind, or `blackholed` / `aborted`. */
  outcome: string;
  start: number;
  end: number | undefined;
  /** Requests in flight at the proxy when this one arrived (itself included). */
  inFlightAtStart: number;
}

export type ProxyMode = 'up' | 'blackhole';

export class FaultProxy {
  rules: FaultRule[] = [];
  mode: ProxyMode = 'up';
  /** Added before every response is relayed. */
  delayMs = 0;
  /**
   * A store's request-rate limit: a request arriving while more than this many are in flight
   * is answered `503 SlowDown` (0: no limit). Counted as `503 SlowDown (capacity)`.
   */
  capacity = 0;
  /** Caps how fast request bodies are relayed upstream (0: no cap). */
  uploadBytesPerSecond = 0;
  readonly requests: ProxiedRequest[] = [];
  /** Injections so far, by fault kind (`status` counted as e.g. `503 SlowDown`). */
  readonly injected = new Map<string, number>();
  connections = 0;
  private inFlight = 0;
  private readonly sockets = new Set<Socket>();
  private readonly server: http.Server;
  private readonly upstream: URL;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private random: () => number;
  private port = 0;
  private readonly used = new WeakMap<FaultRule, number>();

  private constructor(options: ProxyOptions) {
    this.upstream = new URL(options.upstream);
    this.random = mulberry32(options.seed ?? 1);
    this.server = http.createServer((req, res) => void this.handle(req, res));
    // A client's keep-alive sockets must not outlive the test by minutes.
    this.server.keepAliveTimeout = 2000;
    this.server.on('connection', (socket) => {
      this.connections++;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(options: ProxyOptions): Promise<FaultProxy> {
    const proxy = new FaultProxy(options);
    await proxy.listen(0);
    return proxy;
  }

  /** The endpoint to give s3ship: `http://127.0.0.1:<port>`. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Forget recorded requests and injections; new seed for the generator. */
  reset(seed = 1): void {
    this.requests.length = 0;
    this.injected.clear();
    this.rules = [];
    this.mode = 'up';
    this.delayMs = 0;
    this.capacity = 0;
    this.uploadBytesPerSecond = 0;
    this.random = mulberry32(seed);
  }

  /** The gateway "dies": the port stops listening and every open connection is reset. */
  async down(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.resetAndDestroy();
    await closed;
  }

  /** The gateway is back, on the same port. */
  async up(): Promise<void> {
    await this.listen(this.port);
  }

  async close(): Promise<void> {
    await this.down().catch(() => undefined);
    this.agent.destroy();
  }

  /** Most requests in flight at once among those that arrived at or after `since` (ms epoch). */
  maxInFlight(since = 0): number {
    return Math.max(
      0,
      ...this.requests.filter((r) => r.start >= since).map((r) => r.inFlightAtStart),
    );
  }

  count(kind: string): number {
    return this.injected.get(kind) ?? 0;
  }

  get totalInjected(): number {
    return [...this.injected.values()].reduce((a, b) => a + b, 0);
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  private pick(method: string, target: string): Fault | undefined {
    for (const rule of this.rules) {
      if (rule.match?.method && rule.match.method !== method) continue;
      if (rule.match?.target && !rule.match.target.test(target)) continue;
      const used = this.used.get(rule) ?? 0;
      if (rule.limit !== undefined && used >= rule.limit) continue;
      if (this.random() >= rule.rate) continue;
      this.used.set(rule, used + 1);
      return rule.fault;
    }
    return undefined;
  }

  private note(kind: string): void {
    this.injected.set(kind, (this.injected.get(kind) ?? 0) + 1);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    const record: ProxiedRequest = {
      method,
      target,
      operation: s3Operation(method, target, req.headers),
      bodyBytes: 0,
      status: undefined,
      outcome: 'aborted',
      start: Date.now(),
      end: undefined,
      inFlightAtStart: ++this.inFlight,
    };
    this.requests.push(record);
    const done = (outcome: string) => {
      if (record.end !== undefined) return;
      record.outcome = outcome;
      record.end = Date.now();
      this.inFlight--;
    };
    res.once('close', () => done(record.outcome));
    if (this.mode === 'blackhole') {
      record.outcome = 'blackholed';
      this.note('blackhole');
      req.on('data', (chunk: Buffer) => (record.bodyBytes += chunk.length)); // read and drop; never answer
      return;
    }
    const overCapacity = this.capacity > 0 && this.inFlight > this.capacity;
    const fault: Fault | undefined = overCapacity
      ? { kind: 'status', status: 503, code: 'SlowDown' }
      : this.pick(method, target);
    try {
      if (fault?.kind === 'status') {
        await this.answerStatus(req, res, fault, record);
        done(`${fault.status} ${fault.code}`);
        return;
      }
      await this.forward(req, res, fault, record, done);
    } catch {
      res.destroy();
      done(record.outcome);
    }
  }

  private async answerStatus(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    fault: Extract<Fault, { kind: 'status' }>,
    record: ProxiedRequest,
  ): Promise<void> {
    this.note(`${fault.status} ${fault.code}`);
    // Read the body first, as a store does: answering mid-upload would look like a reset.
    for await (const chunk of req as AsyncIterable<Buffer>) record.bodyBytes += chunk.length;
    const body =
      req.method === 'HEAD'
        ? ''
        : `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${fault.code}</Code><Message>injected by the test proxy</Message><RequestId>fault-proxy</RequestId></Error>`;
    record.status = fault.status;
    res.writeHead(fault.status, {
      'content-type': 'application/xml',
      'content-length': Buffer.byteLength(body),
      ...(fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {}),
    });
    res.end(body);
  }

  private forward(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    fault: Fault | undefined,
    record: ProxiedRequest,
    done: (outcome: string) => void,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const headers = { ...req.headers };
      // The proxy already answered any `Expect: 100-continue` (unsigned, so safe to drop).
      delete headers.expect;
      delete headers.connection;
      const upstream = http.request(
        {
          host: this.upstream.hostname,
          port: this.upstream.port,
          method: req.method,
          path: req.url,
          headers,
          agent: this.agent,
        },
        (up) => void this.relay(req, res, up, fault, record, done).then(resolve, reject),
      );
      upstream.on('error', reject);
      // A client that gives up (abort, timeout) takes the gateway request down with it, as a
      // direct connection would: the gateway then sees a truncated body, never a late one.
      res.on('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
      void this.pump(req, upstream, fault, record).catch(reject);
    });
  }

  /** Copies the request body upstream, at the configured rate; resets half-way if told to. */
  private async pump(
    req: http.IncomingMessage,
    upstream: http.ClientRequest,
    fault: Fault | undefined,
    record: ProxiedRequest,
  ): Promise<void> {
    const length = Number(req.headers['content-length'] ?? 0);
    let sent = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      record.bodyBytes += chunk.length;
      if (fault?.kind === 'reset-request' && length > 0 && sent + chunk.length >= length / 2) {
        const half = Math.max(0, Math.floor(length / 2) - sent);
        upstream.write(chunk.subarray(0, half));
        this.note('reset-request');
        await delay(20); // let the truncated bytes reach the gateway before the reset
        upstream.destroy();
        resetClient(req);
        return;
      }
      if (this.uploadBytesPerSecond > 0)
        await delay((chunk.length / this.uploadBytesPerSecond) * 1000);
      if (!upstream.write(chunk)) await new Promise((r) => upstream.once('drain', r));
      sent += chunk.length;
    }
    if (fault?.kind === 'reset-request') {
      // No body (GET, HEAD, DELETE…): reset before anything reaches the gateway.
      this.note('reset-request');
      upstream.destroy();
      resetClient(req);
      return;
    }
    upstream.end();
  }

  private async relay(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    up: http.IncomingMessage,
    fault: Fault | undefined,
    record: ProxiedRequest,
    done: (outcome: string) => void,
  ): Promise<void> {
    if (fault?.kind === 'reset-response') {
      for await (const chunk of up) void chunk; // the gateway finishes its work
      this.note('reset-response');
      resetClient(req);
      done('reset-response');
      return;
    }
    if (fault?.kind === 'stall') {
      // The gateway has answered; the answer is held back past the client's timeout.
      this.note('stall');
      await delay(fault.ms);
      if (res.destroyed) {
        up.resume();
        done('stall');
        return;
      }
    }
    if (this.delayMs > 0) await delay(this.delayMs);
    record.status = up.statusCode ?? 502;
    res.writeHead(record.status, up.headers);
    for await (const chunk of up) {
      if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
    }
    res.end();
    done(fault?.kind === 'stall' ? 'stall' : `forwarded:${up.statusCode ?? 0}`);
  }
}

/** Sends a TCP RST to the client (the socket may already be gone if the client gave up). */
function resetClient(req: http.IncomingMessage): void {
  (req.socket as Socket | null)?.resetAndDestroy();
}

/** A small seeded generator (mulberry32): reproducible fault placement. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

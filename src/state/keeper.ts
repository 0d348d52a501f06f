/**
 * The deploy state over one run: read at the start (one GET, while the listing begins), used
 * to check settings during the compare, and written at the end of a deploy that learned
 * something new (not after a fatal error or an interrupt). A shard writes its own part (shards
 * run at once, and one object would be overwritten by each); `prune`, run once after every
 * shard, merges the parts into the state and removes them.
 */
import type { DeployConfig } from '../config.js';
import type { EventSink } from '../events.js';
import type { ExecuteResult, RequestRunner } from '../execute.js';
import { namedKeys } from '../guards.js';
import type { LocalFile } from '../scan.js';
import type { Shard } from '../shard.js';
import type { ObjectStore, RemoteObject } from '../store/store.js';
import { decodeState, StateProblem, type DeployState, type StateToWrite } from './document.js';
import { StateLedger } from './ledger.js';
import {
  isStateKey,
  shardPartKey,
  shardPartsPrefix,
  stateExcludes,
  stateLocation,
  stateUrl,
  type StateLocation,
} from './location.js';
import { observeWrites } from './observe.js';
import { readState, writeState } from './persist.js';
import { settingsCheck, type SettingsCheck } from './settings-check.js';

export interface StateKeeperOptions {
  config: DeployConfig;
  /** The target's store (reads retried). */
  store: ObjectStore;
  /** The state's store: the target's, or one for `state.bucket` (reads retried). */
  stateStore: ObjectStore;
  shard: Shard | undefined;
  prune: boolean;
  /** Warnings go out through this (after the log's opening lines). */
  warn: EventSink;
  signal?: AbortSignal;
  now: () => number;
}

export class StateKeeper {
  readonly location: StateLocation;
  readonly ledger: Promise<StateLedger>;
  /** Shard parts found by `prune`, removed once merged into the state. */
  private parts: string[] = [];
  private check: SettingsCheck | undefined;
  /** Why there is no state, when there is none (said once objects had to be read without it). */
  private missing: string | undefined;

  constructor(private readonly options: StateKeeperOptions) {
    this.location = stateLocation(options.config);
    const { config } = options;
    const target = { bucket: config.target.bucket, prefix: config.target.prefix };
    const read = readState(
      options.stateStore,
      this.location,
      target,
      options.warn,
      (message) => (this.missing = message),
      options.signal,
    );
    this.ledger = (options.prune ? read.then((state) => this.withShardParts(state)) : read).then(
      (state) => new StateLedger(state),
    );
    // Awaited by whoever needs it; a failure surfaces there.
    this.ledger.catch(() => undefined);
  }

  /** The config the scan runs on: local files never take the state's keys. */
  scanConfig(): DeployConfig {
    const extra = stateExcludes(this.location, this.options.config);
    const { config } = this.options;
    return extra.length ? { ...config, exclude: [...config.exclude, ...extra] } : config;
  }

  /** Removes the state's own keys from the listed objects: never site content, never stale. */
  dropStateKeys(remote: Map<string, RemoteObject>): void {
    const { bucket } = this.options.config.target;
    for (const key of remote.keys()) if (isStateKey(this.location, bucket, key)) remote.delete(key);
  }

  /**
   * After the compare: says that there was no state if objects had to be read for want of it,
   * and which objects changed since the state was written.
   */
  reportChanged(): void {
    if (this.missing && (this.check?.headsWithoutRecord ?? 0) > 0)
      this.options.warn({ type: 'warning', message: this.missing });
    const keys = this.check?.changedSinceState ?? [];
    if (keys.length === 0) return;
    const named = namedKeys(keys);
    this.options.warn({
      type: 'warning',
      message: `${keys.length} object(s) changed since the deploy state was written (by another tool, a concurrent deploy, or a deploy that did not finish): ${named}; their headers were read, and settings that differ from the rules are put back`,
    });
  }

  settingsCheck(): SettingsCheck {
    return (this.check = settingsCheck({
      ledger: this.ledger,
      store: this.options.store,
      ...(this.options.signal ? { signal: this.options.signal } : {}),
    }));
  }

  /**
   * After a prune's listing: carries over the records (the state's and the shards' parts) that
   * still describe the listed object of a local file.
   */
  async carryListed(files: readonly LocalFile[], remote: ReadonlyMap<string, RemoteObject>) {
    const ledger = await this.ledger;
    for (const file of files) {
      const listed = remote.get(file.key);
      if (listed && ledger.trusted(listed)) ledger.carry(file.key);
    }
  }

  /**
   * After the plan ran: records what this run wrote and writes the state, if the state would
   * say something new. A failure here is a warning: the deploy is done, and the next one reads
   * the objects the old state no longer describes.
   */
  async finish(
    result: ExecuteResult,
    /** Lists the target's objects whose keys start with a prefix. */
    list: (prefix: string) => AsyncIterable<RemoteObject[]>,
    listedCount: number,
    request: RequestRunner,
  ): Promise<void> {
    const { config, signal, shard } = this.options;
    // After a failure the records still hold (each is a fact about an object version, and a
    // failed write vouches for nothing), so the next deploy reads only what it must; after a
    // fatal error or an interrupt nothing more is sent.
    if (result.fatal || signal?.aborted) return;
    const ledger = await this.ledger;
    try {
      await observeWrites(result.outcomes, ledger, {
        list,
        prefix: config.target.prefix,
        listedCount,
        concurrency: config.concurrency,
      });
      // A shard's part holds what it learned (prune lays the parts over the state, whose records
      // of its other keys still stand), and is written only when it learned something.
      if (shard ? !ledger.madeAny() : !ledger.changed() && this.parts.length === 0) return;
      const state: StateToWrite = {
        bucket: config.target.bucket,
        prefix: config.target.prefix,
        records: shard ? ledger.madeRecords() : ledger.records(),
      };
      const key = shard ? shardPartKey(this.location, shard) : this.location.key;
      const stateStore = this.options.stateStore;
      await request('PutObject', key, (s) =>
        writeState(stateStore, key, state, new Date(this.options.now()), s),
      );
      if (this.parts.length)
        await request('DeleteObjects', this.parts[0]!, (s) => stateStore.deleteMany(this.parts, s));
    } catch (error) {
      if (signal?.aborted) throw error;
      this.options.warn({
        type: 'warning',
        message: `the deploy succeeded but its state was not written to ${stateUrl(this.location)} (${(error as Error).message}); the next deploy reads the settings of the objects it changed with HeadObject`,
      });
    }
  }

  /** The state with every shard's part merged in (prune): a part's record is the newer. */
  private async withShardParts(state: DeployState | undefined): Promise<DeployState | undefined> {
    const { stateStore, config, signal } = this.options;
    const prefix = shardPartsPrefix(this.location);
    const keys: string[] = [];
    for await (const page of stateStore.list(prefix, signal))
      for (const o of page) keys.push(o.key);
    if (keys.length === 0) return state;
    // (Merged into a Map: prune runs once per pipeline, and reads every part anyway.)
    const records = new Map(state?.records ?? []);
    const { bucket, prefix: targetPrefix } = config.target;
    for (const key of keys) {
      const body = await stateStore.get(key, signal);
      try {
        if (body)
          for (const [k, r] of decodeState(body, bucket, targetPrefix).records) records.set(k, r);
      } catch (error) {
        if (!(error instanceof StateProblem)) throw error;
        this.options.warn({
          type: 'warning',
          message: `the shard's state ${stateUrl({ ...this.location, key })} is unusable (${error.message}); its objects are read with HeadObject next time`,
        });
      }
      this.parts.push(key);
    }
    const merged: DeployState = { bucket, prefix: targetPrefix, records };
    return merged;
  }
}

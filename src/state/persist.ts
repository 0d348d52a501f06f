/**
 * Reading and writing the deploy state. Reading never fails a deploy: a state that is missing
 * or unusable is one warning, and every object already on the store is then read with a
 * HeadObject before anything is decided about its settings (settings-check.ts).
 */
import type { EventSink } from '../events.js';
import { digestBuffer, md5Base64 } from '../hash.js';
import { StoreError, type ObjectStore } from '../store/store.js';
import {
  decodeState,
  encodeState,
  StateProblem,
  type DeployState,
  type StateToWrite,
} from './document.js';
import { stateUrl, type StateLocation } from './location.js';

export const STATE_CONTENT_TYPE = 'application/gzip';

/**
 * The state at `location` for this target, or undefined: with a warning saying why when it
 * could not be read or used; `onMissing` is told when there is none (a first deploy says
 * nothing of it unless objects are already there: see keeper.ts).
 */
export async function readState(
  store: ObjectStore,
  location: StateLocation,
  target: { bucket: string; prefix: string },
  warn: EventSink,
  onMissing: (message: string) => void,
  signal?: AbortSignal,
): Promise<DeployState | undefined> {
  const where = stateUrl(location);
  const fallback = 'the settings of objects already there are read with HeadObject this time';
  let body: Buffer | undefined;
  try {
    body = await store.get(location.key, signal);
  } catch (error) {
    if (signal?.aborted) throw error;
    const why = error instanceof StoreError ? `${error.code}: ${error.message}` : String(error);
    warn({
      type: 'warning',
      message: `cannot read the deploy state ${where} (${why}); ${fallback}`,
    });
    return undefined;
  }
  if (body === undefined) {
    onMissing(`no deploy state at ${where} (a first deploy, or it was deleted); ${fallback}`);
    return undefined;
  }
  try {
    return decodeState(body, target.bucket, target.prefix);
  } catch (error) {
    if (!(error instanceof StateProblem)) throw error;
    warn({
      type: 'warning',
      message: `the deploy state ${where} is unusable: ${error.message}; ${fallback}, and the state is written anew`,
    });
    return undefined;
  }
}

/** Writes `state` to `key` of the state's store. */
export async function writeState(
  store: ObjectStore,
  key: string,
  state: StateToWrite,
  now: Date,
  signal?: AbortSignal,
): Promise<void> {
  const body = encodeState(state, now);
  await store.put(
    {
      key,
      body,
      contentMd5: md5Base64(digestBuffer(body).md5),
      settings: { contentType: STATE_CONTENT_TYPE, cacheControl: 'no-store' },
      metadata: {},
    },
    signal,
  );
}

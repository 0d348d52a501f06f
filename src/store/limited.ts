/**
 * A store whose single-object reads (HeadObject, GetObject) wait for a slot of the deploy's one
 * request limiter, the executor's: with the HEADs of the compare, the state's GET and the
 * uploads that start early all drawing on it, no more than `concurrency` requests are ever in
 * flight. (The listing's chains are bounded on their own: key-ranges.ts.)
 */
import type { LimitFunction } from 'p-limit';
import { withReads, type ObjectStore } from './store.js';

export function limitedReads(store: ObjectStore, limit: LimitFunction): ObjectStore {
  return withReads(store, {
    head: (key, options) => limit(() => store.head(key, options)),
    get: (key, signal) => limit(() => store.get(key, signal)),
  });
}

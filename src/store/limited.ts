/**
 * A store whose single-object reads (HeadObject, GetObject) wait for a slot of the deploy's one
 * request limiter, the executor's: with the HEADs of the compare, the state's GET and the
 * uploads that start early all drawing on it, no more than `concurrency` requests are ever in
 * flight. (The listing's chains are bounded on their own: key-ranges.ts.)
 */
import type { LimitFunction } from 'p-limit';
import type { ObjectStore } from './store.js';

export function limitedReads(store: ObjectStore, limit: LimitFunction): ObjectStore {
  return {
    target: store.target,
    list: store.list.bind(store),
    head: (key, options) => limit(() => store.head(key, options)),
    get: (key, signal) => limit(() => store.get(key, signal)),
    put: store.put.bind(store),
    copyInPlace: store.copyInPlace.bind(store),
    createMultipart: store.createMultipart.bind(store),
    uploadPart: store.uploadPart.bind(store),
    completeMultipart: store.completeMultipart.bind(store),
    abortMultipart: store.abortMultipart.bind(store),
    deleteMany: store.deleteMany.bind(store),
    ...(store.listUploads ? { listUploads: store.listUploads.bind(store) } : {}),
  };
}

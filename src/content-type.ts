/**
 * Content-Type from the file name, from the mime-db database (never the host's files). Loaded
 * by upload.ts on the first upload: the database is ~25 ms of a run's startup (measured with
 * --cpu-prof on Node 24), which a deploy that uploads nothing should not pay. In the bundle,
 * `mime-types` here is a table of its answers built at bundle time (scripts/mime-table.mjs),
 * so the first upload does not build its maps either.
 */
import mime from 'mime-types';
import type { ObjectSettings } from './config.js';
import type { ResolvedSettings } from './settings.js';

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** Content-Type from the file name, from the mime-db database (never the host's files). */
export function contentTypeOf(relPath: string): string {
  const type = mime.contentType(relPath.slice(relPath.lastIndexOf('/') + 1));
  return type === false ? DEFAULT_CONTENT_TYPE : type;
}

/** The settings a rule gave, with the Content-Type from the file name where no rule set one. */
export function withContentType(settings: ObjectSettings, relPath: string): ResolvedSettings {
  return { ...settings, contentType: settings.contentType ?? contentTypeOf(relPath) };
}

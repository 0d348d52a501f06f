/**
 * What a file becomes on the store: its Content-Type and the settings the spec's rules give
 * it. Rules are ordered; every rule whose globs match applies, a later one overriding the
 * fields it sets (so a broad rule can come first and a specific one after it).
 */
import mime from 'mime-types';
import picomatch from 'picomatch';
import type { ObjectSettings, Rule } from './config.js';

/** Settings of one object with its Content-Type always resolved. */
export type ResolvedSettings = ObjectSettings & { contentType: string };

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** Glob options shared by every matcher: dotfiles are ordinary files (`.well-known/`). */
export const GLOB_OPTIONS: picomatch.PicomatchOptions = { dot: true };

export type Matcher = (relativeKey: string) => boolean;

export function compileGlobs(globs: readonly string[]): Matcher {
  if (globs.length === 0) return () => false;
  return picomatch([...globs], GLOB_OPTIONS);
}

/** Compiles the rules once; the result maps a path relative to the source to its settings. */
export function settingsResolver(rules: readonly Rule[]): (relPath: string) => ResolvedSettings {
  const compiled = rules.map((rule) => ({ rule, matches: compileGlobs(rule.match) }));
  return (relPath) => {
    const merged: ObjectSettings = {};
    for (const { rule, matches } of compiled) {
      if (!matches(relPath)) continue;
      const { match: _match, metadata, ...fields } = rule;
      Object.assign(merged, fields);
      if (metadata) merged.metadata = { ...merged.metadata, ...metadata };
    }
    const contentType = merged.contentType ?? contentTypeOf(relPath);
    return { ...merged, contentType };
  };
}

/** Content-Type from the file name, from the mime-db database (never the host's files). */
export function contentTypeOf(relPath: string): string {
  const type = mime.contentType(relPath.slice(relPath.lastIndexOf('/') + 1));
  return type === false ? DEFAULT_CONTENT_TYPE : type;
}

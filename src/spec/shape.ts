/**
 * Questions asked of the schema itself, by path: which keys are valid there (for "did you
 * mean"), and which kinds of value it takes (to type values that came from `${VAR}`).
 * Reading the schema keeps these answers in step with it instead of in a second list.
 */
import type * as z from 'zod';

/** The parts of zod's internal definitions we walk (stable across zod 4 releases). */
interface Def {
  type: string;
  shape?: Record<string, z.core.$ZodType>;
  element?: z.core.$ZodType;
  innerType?: z.core.$ZodType;
  options?: readonly z.core.$ZodType[];
  in?: z.core.$ZodType;
  valueType?: z.core.$ZodType;
  values?: readonly unknown[];
}

const defOf = (schema: z.core.$ZodType): Def => schema._zod.def;

const WRAPPERS = new Set([
  'optional',
  'default',
  'prefault',
  'nullable',
  'readonly',
  'catch',
  'nonoptional',
]);

/** The schema with wrappers removed; unions are expanded into their options. */
function bases(schema: z.core.$ZodType): z.core.$ZodType[] {
  const def = defOf(schema);
  if (WRAPPERS.has(def.type) && def.innerType) return bases(def.innerType);
  if (def.type === 'pipe' && def.in) return bases(def.in);
  if (def.type === 'union' && def.options) return def.options.flatMap(bases);
  return [schema];
}

/** Every schema that can describe the value at `path`. */
export function schemasAt(
  schema: z.core.$ZodType,
  path: readonly PropertyKey[],
): z.core.$ZodType[] {
  let current = bases(schema);
  for (const step of path) {
    current = current.flatMap((s) => {
      const def = defOf(s);
      if (def.type === 'object' && def.shape) {
        const child = Object.hasOwn(def.shape, step) ? def.shape[String(step)] : undefined;
        return child ? bases(child) : [];
      }
      if (def.type === 'array' && def.element && typeof step === 'number')
        return bases(def.element);
      if (def.type === 'record' && def.valueType) return bases(def.valueType);
      return [];
    });
  }
  return current;
}

/** Keys a mapping at `path` may have. */
export function keysAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  const keys = schemasAt(schema, path).flatMap((s) => Object.keys(defOf(s).shape ?? {}));
  return [...new Set(keys)];
}

/** JS types the schema accepts at `path`: 'string', 'number', 'boolean', 'object'. */
export function kindsAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): Set<string> {
  const kinds = new Set<string>();
  for (const s of schemasAt(schema, path)) {
    const def = defOf(s);
    if (def.type === 'literal') for (const v of def.values ?? []) kinds.add(typeof v);
    else if (def.type === 'enum') kinds.add('string');
    else if (['array', 'record'].includes(def.type)) kinds.add('object');
    else kinds.add(def.type);
  }
  return kinds;
}

/**
 * A `${VAR}` result retyped for where it stands: env values are strings, but `concurrency:
 * ${N}` must be able to give a number. Only fields that take no strings are retyped, so
 * `prefix: ${BUILD_NUMBER}` stays the string "42".
 */
export function retype(
  schema: z.core.$ZodType,
  path: readonly PropertyKey[],
  value: string,
): unknown {
  const kinds = kindsAt(schema, path);
  if (kinds.has('string')) return value;
  if (kinds.has('number') && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value.trim());
  if (kinds.has('boolean') && /^(true|false)$/.test(value.trim())) return value.trim() === 'true';
  return value;
}

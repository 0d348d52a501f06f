/**
 * The bundle answers Content-Type from a table built at bundle time (scripts/mime-table.mjs),
 * not from mime-types at run time: it must answer exactly as mime-types does, charset
 * included, for every extension mime-db knows and for names it does not know.
 */
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const check = fileURLToPath(new URL('../../scripts/check-mime-table.mjs', import.meta.url));

describe('Content-Type in the bundle', () => {
  test('the bundle-time table answers as mime-types for every extension', () => {
    const result = JSON.parse(execFileSync(process.execPath, [check], { encoding: 'utf8' })) as {
      checked: number;
      mismatches: unknown[];
    };
    expect(result.mismatches).toEqual([]);
    expect(result.checked).toBeGreaterThan(3000);
  });
});

/**
 * Which CloudFront paths a deploy invalidates: the URL paths people visit, as few as possible.
 */
import { describe, expect, test } from '@jest/globals';
import { invalidationPaths } from '../../src/invalidate.js';

const settings = { maxPaths: 10, originPath: '' };

describe('invalidation paths', () => {
  test('keys become paths; index.html folds into its directory, the root included', () => {
    expect(
      invalidationPaths(
        ['index.html', 'docs/index.html', 'assets/app.js', 'docs/a.html'],
        settings,
      ),
    ).toEqual(['/', '/assets/app.js', '/docs/', '/docs/a.html']);
  });

  test('a file merely named like index.html is not folded', () => {
    expect(invalidationPaths(['old-index.html'], settings)).toEqual(['/old-index.html']);
  });

  test('duplicates collapse and the result is sorted', () => {
    expect(invalidationPaths(['b.js', 'a.js', 'b.js'], settings)).toEqual(['/a.js', '/b.js']);
  });

  test('past max_paths one /* replaces the list', () => {
    const keys = Array.from({ length: 11 }, (_, i) => `f${i}.js`);
    expect(invalidationPaths(keys, settings)).toEqual(['/*']);
    expect(invalidationPaths(keys.slice(0, 10), settings)).toHaveLength(10);
  });

  test('the origin path is removed; keys outside it are not served, so not invalidated', () => {
    const www = { maxPaths: 10, originPath: '/www' };
    expect(invalidationPaths(['www/index.html', 'www/a/b.css', 'other/x.js'], www)).toEqual([
      '/',
      '/a/b.css',
    ]);
  });

  test('unsafe characters are percent-encoded, and a * in a key is no wildcard', () => {
    expect(invalidationPaths(['a b/ü.txt', 'weird*.js'], settings)).toEqual([
      '/a%20b/%C3%BC.txt',
      '/weird%2A.js',
    ]);
  });
});

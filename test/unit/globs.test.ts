/**
 * Include, exclude, entry-document and rule globs decide what is published and how: the fast
 * matcher (picomatch's compiled expressions tested directly) must decide exactly as picomatch's
 * own matcher does, for any glob and any path.
 */
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import picomatch from 'picomatch';
import { compileGlobs, GLOB_OPTIONS } from '../../src/settings.js';

/** Paths and globs from the characters that matter to globs, plus a few real-world ones. */
const piece = fc.constantFrom(
  'a',
  'b',
  '.',
  '/',
  '*',
  '**',
  '?',
  '[a]',
  '{a,b}',
  '!',
  'é',
  ' ',
  '(',
  ')',
  '+',
  '@',
  '\\',
  'index.html',
  '.git',
  'x.css',
);
const text = fc.array(piece, { minLength: 0, maxLength: 8 }).map((parts) => parts.join(''));

const picomatchDecides = (globs: string[], path: string): boolean => {
  const valid = globs.filter((g) => g !== '');
  return valid.length > 0 && Boolean(picomatch(valid, GLOB_OPTIONS)(path));
};

describe('compileGlobs', () => {
  test('property: decides as picomatch does', () => {
    fc.assert(
      fc.property(
        fc.array(
          text.filter((g) => g !== ''),
          { maxLength: 3 },
        ),
        text,
        (globs, path) => {
          expect(compileGlobs(globs)(path)).toBe(picomatchDecides(globs, path));
        },
      ),
      { numRuns: 3000 },
    );
  });

  test('property: a path written exactly as a glob decides as picomatch does', () => {
    // Where glob characters are unbalanced or literal, picomatch matches the path equal to the
    // glob ('a{a,b}', 'a\\'), which its expression alone would not.
    fc.assert(
      fc.property(
        text.filter((g) => g !== ''),
        (glob) => {
          expect(compileGlobs([glob])(glob)).toBe(picomatchDecides([glob], glob));
        },
      ),
      { numRuns: 3000 },
    );
  });

  test('the defaults: .git and .DS_Store excluded anywhere, HTML entry documents, dotfiles kept', () => {
    const exclude = compileGlobs([
      '**/.git/**',
      '**/.git',
      '**/.svn/**',
      '**/.hg/**',
      '**/.DS_Store',
    ]);
    const entry = compileGlobs(['**/*.html', '**/*.htm']);
    expect(['.git', 'a/.git', 'a/.git/HEAD', 'x/.DS_Store'].map(exclude)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['.well-known/security.txt', 'a.gitignore', 'git/x'].map(exclude)).toEqual([
      false,
      false,
      false,
    ]);
    expect(['index.html', 'a/b.htm', '.hidden/x.html', 'a.html.gz'].map(entry)).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(compileGlobs([])('anything')).toBe(false);
    // A path equal to the glob matches even where the glob's characters are special.
    expect(compileGlobs(['a{a,b}.txt'])('a{a,b}.txt')).toBe(true);
  });
});

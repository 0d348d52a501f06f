// ESLint flat config: type-checked rules over src/ and test/.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '.tmp/**',
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'scripts/**/*.mjs',
      'bench/**/*.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Test doubles implement async interfaces without awaiting anything.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  // Config files and the example site are plain JavaScript outside the TypeScript project.
  {
    files: ['*.config.js', 'eslint.config.js', 'examples/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  { files: ['examples/**/*.js'], languageOptions: { globals: { document: 'readonly' } } },
);

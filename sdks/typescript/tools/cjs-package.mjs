// Marks dist/cjs as CommonJS: the package is "type": "module", so without this
// file Node would read dist/cjs/*.js (tsc's CommonJS build) as ES modules.
import { mkdirSync, writeFileSync } from 'node:fs';

mkdirSync('dist/cjs', { recursive: true });
writeFileSync('dist/cjs/package.json', '{ "type": "commonjs" }\n');

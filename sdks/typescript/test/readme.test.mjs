// The package as users install it, and the README's seed examples as written.
//
// A copy of this folder without dist/ and node_modules/ (a fresh checkout) is
// installed into an empty project with a plain `npm install <folder>`: the
// prepare script must build it. Then `require` and `import` are checked there,
// and each ```js block of the README's "Seed examples" section runs in that
// project (a block with `require(` as a .cjs file, others as .mjs) against a
// live server; only the placeholders http://127.0.0.1:8080 and YOUR_API_KEY
// are replaced, and ROSTER_BASE_URL / ROSTER_API_KEY are set.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import { Roster } from '../dist/index.js';
import { SDK_DIR, startServer } from '../test-helpers/server.mjs';

const run = promisify(execFile);
const PLACEHOLDER_URL = 'http://127.0.0.1:8080';
const PLACEHOLDER_KEY = 'YOUR_API_KEY';

/** The environment without the settings of an outer npm (e.g. `npm test`). */
function cleanEnv(extra = {}) {
  const env = { ...process.env, ...extra };
  for (const name of Object.keys(env)) if (name.startsWith('npm_')) delete env[name];
  return env;
}

function seedBlocks() {
  const text = readFileSync(path.join(SDK_DIR, 'README.md'), 'utf8');
  const section = /^## Seed examples\n([\s\S]*?)(?=^## )/m.exec(text);
  assert.ok(section, "README.md has no '## Seed examples' section");
  return [...section[1].matchAll(/^```js\n([\s\S]*?)^```/gm)].map((m) => m[1]);
}

let tmp;
let sdkCopy;
let app;
let server;

before(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'roster-sdk-ts-install-'));
  sdkCopy = path.join(tmp, 'sdk');
  app = path.join(tmp, 'app');
  cpSync(SDK_DIR, sdkCopy, {
    recursive: true,
    filter: (src) => !['node_modules', 'dist'].includes(path.basename(src)),
  });
  mkdirSync(app);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }) + '\n');
  await run('npm', ['install', '--no-audit', '--no-fund', sdkCopy], {
    cwd: app,
    env: cleanEnv(),
    timeout: 300_000,
    maxBuffer: 16 << 20,
  });

  server = await startServer();
  const client = new Roster({ baseUrl: server.baseUrl, apiKey: server.apiKey });
  for (let i = 0; i < 3; i++) {
    await client.users.create({ email: `readme${i}@example.com`, first_name: 'Jane', last_name: `Doe${i}` });
  }
});

after(async () => {
  await server?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('npm install <folder>', () => {
  test('links the folder and builds dist/ and dist/cjs/ through prepare', () => {
    const installed = path.join(app, 'node_modules', 'roster-sdk');
    assert.ok(lstatSync(installed).isSymbolicLink() || lstatSync(installed).isDirectory());
    const pkg = path.join(realpathSync(installed));
    for (const file of ['dist/index.js', 'dist/index.d.ts', 'dist/cjs/index.js', 'dist/cjs/index.d.ts']) {
      assert.ok(lstatSync(path.join(pkg, file)).isFile(), `${file} was not built`);
    }
    assert.deepEqual(JSON.parse(readFileSync(path.join(pkg, 'dist/cjs/package.json'), 'utf8')), { type: 'commonjs' });
  });

  test(`node -e "require('<folder>')" works`, async () => {
    const code = `const m = require(${JSON.stringify(sdkCopy)});
if (typeof m.Client !== 'function' || m.Client !== m.Roster) throw new Error('no Client');
console.log(require.resolve(${JSON.stringify(sdkCopy)}));`;
    const { stdout } = await run(process.execPath, ['-e', code], { cwd: app, env: cleanEnv() });
    assert.equal(stdout.trim(), path.join(realpathSync(sdkCopy), 'dist', 'cjs', 'index.js'));
  });

  test(`require('roster-sdk') is the CommonJS build, import the ES one`, async () => {
    const cjs = `const sdk = require('roster-sdk');
console.log(require.resolve('roster-sdk'), typeof sdk.Client, sdk.Client === sdk.Roster, sdk.default === sdk.Roster,
  typeof sdk.verifyWebhook, typeof sdk.NotFoundError);`;
    const out = (await run(process.execPath, ['-e', cjs], { cwd: app, env: cleanEnv() })).stdout.trim().split(' ');
    assert.ok(out[0].endsWith(path.join('dist', 'cjs', 'index.js')), out[0]);
    assert.deepEqual(out.slice(1), ['function', 'true', 'true', 'function', 'function']);

    const esm = `import sdk, { Client, Roster } from 'roster-sdk';
console.log(import.meta.resolve('roster-sdk'), Client === Roster, sdk === Roster);`;
    const esmOut = (await run(process.execPath, ['--input-type=module', '-e', esm], { cwd: app, env: cleanEnv() }))
      .stdout.trim()
      .split(' ');
    assert.ok(esmOut[0].endsWith('/dist/index.js'), esmOut[0]);
    assert.deepEqual(esmOut.slice(1), ['true', 'true']);
  });
});

describe('README seed examples', () => {
  const blocks = seedBlocks();

  test('the README has them', () => {
    assert.equal(blocks.length, 2);
    assert.match(blocks[0], /const roster = require\('roster-sdk'\);/);
    assert.match(blocks[0], /new roster\.Client\(\{\n {2}baseUrl: 'http:\/\/127\.0\.0\.1:8080',\n {2}apiKey: 'YOUR_API_KEY'\n\}\);/);
    assert.match(blocks[0], /await client\.users\.get\(/);
    assert.match(blocks[1], /import \{ Client \} from 'roster-sdk';/);
    assert.match(blocks[1], /client\.zones\.users\.list\('default'\)/);
  });

  async function runBlock(block, name) {
    const file = path.join(app, `${name}.${block.includes('require(') ? 'cjs' : 'mjs'}`);
    writeFileSync(file, block.replaceAll(PLACEHOLDER_URL, server.baseUrl).replaceAll(PLACEHOLDER_KEY, server.apiKey));
    try {
      const { stdout } = await run(process.execPath, [file], {
        cwd: app,
        env: cleanEnv({ ROSTER_BASE_URL: server.baseUrl, ROSTER_API_KEY: server.apiKey }),
        timeout: 60_000,
      });
      return stdout.trim().split(/\s+/);
    } catch (err) {
      assert.fail(`the README block failed:\n${block}\n--- stderr:\n${err.stderr}`);
    }
  }

  test('seed 004: require, new roster.Client({ baseUrl, apiKey }), client.users.get(id)', async () => {
    const [id, email] = await runBlock(blocks[0], 'seed-004');
    assert.match(id, /^user_/);
    assert.match(email, /^readme\d@example\.com$/);
  });

  test('seeds 000 and 003: import, new Client() from the environment, zones.users.list(zone)', async () => {
    const [listed, retrieved, sameZone] = await runBlock(blocks[1], 'seed-000-003');
    assert.match(listed, /^user_/);
    assert.equal(retrieved, listed);
    assert.equal(sameZone, 'true');
  });
});

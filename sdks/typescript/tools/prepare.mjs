// The `prepare` script: builds dist/ (ES modules) and dist/cjs/ (CommonJS).
//
// npm runs it on `npm install`/`npm ci` in this folder, and when another
// project installs the SDK from this folder (`npm install path/to/sdks/typescript`)
// or from git. A folder install links the folder without installing its
// devDependencies; when TypeScript is missing here, it is installed first
// (`npm ci --ignore-scripts`, from package-lock.json), so that a fresh checkout
// installs as is.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function npm(args) {
  const env = { ...process.env };
  // The outer install's own settings (its project folder, its package) are not this folder's.
  for (const name of Object.keys(env)) {
    if (/^npm_(package_|lifecycle_|command$|config_local_prefix$)/.test(name)) delete env[name];
  }
  const cli = process.env.npm_execpath;
  const [cmd, argv] = cli ? [process.execPath, [cli, ...args]] : ['npm', args];
  execFileSync(cmd, argv, { cwd: root, env, stdio: 'inherit', shell: !cli && process.platform === 'win32' });
}

if (!existsSync(path.join(root, 'node_modules', 'typescript', 'package.json'))) {
  console.error(`roster-sdk: installing the build's devDependencies in ${root}`);
  npm(['ci', '--ignore-scripts', '--include=dev', '--no-audit', '--no-fund']);
}
npm(['run', 'build']);

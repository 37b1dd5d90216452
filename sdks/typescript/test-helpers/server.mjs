// Starts a real Roster server for the tests: the binary from ROSTER_BIN
// (default <repo>/target/debug/roster) on a free loopback port with a fresh
// SQLite database in a temporary directory, and stops it afterwards.
//
// This file lives outside test/ so that `node --test test/` does not run it as
// a test file of its own.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SDK_DIR = path.resolve(here, '..');
export const REPO_ROOT = path.resolve(SDK_DIR, '..', '..');

/** The bootstrap admin key every test server gets (30 characters). */
export const API_KEY = 'rk_test_sdk_ts_0123456789abcde';

export function rosterBin() {
  return process.env.ROSTER_BIN || path.join(REPO_ROOT, 'target', 'debug', 'roster');
}

export function readOpenApi() {
  return JSON.parse(readFileSync(path.join(REPO_ROOT, 'openapi.json'), 'utf8'));
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function readyz(baseUrl) {
  return new Promise((resolve) => {
    const req = http.get(`${baseUrl}/readyz`, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.setTimeout(1000, () => {
      req.destroy();
      resolve(false);
    });
  });
}

async function startOnce(env) {
  const bin = rosterBin();
  if (!existsSync(bin)) {
    throw new Error(`Roster binary not found at ${bin}: run \`cargo build -p roster\` or set ROSTER_BIN`);
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'roster-sdk-ts-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const child = spawn(
    bin,
    ['serve', '--listen', `127.0.0.1:${port}`, '--database-url', `sqlite://${dir}/t.db`],
    {
      env: {
        ...process.env,
        ROSTER_BOOTSTRAP_API_KEY: API_KEY,
        ROSTER_RATE_LIMIT_PER_SECOND: '0',
        ROSTER_LOG: 'warn',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  running.add(child);
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-8000);
  });
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      running.delete(child);
      resolve();
    });
  });

  const stop = async () => {
    if (exited === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exitPromise;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (exited !== null) {
      await stop();
      const err = new Error(`roster exited early (${JSON.stringify(exited)}):\n${stderr}`);
      err.portClash = /address already in use|AddrInUse/i.test(stderr);
      throw err;
    }
    if (await readyz(baseUrl)) return { baseUrl, port, apiKey: API_KEY, stop, stderr: () => stderr };
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error(`roster did not become ready within 30 s:\n${stderr}`);
}

/**
 * Starts a server; `env` adds environment variables (e.g. rate limits).
 * Returns `{ baseUrl, port, apiKey, stop }`.
 */
export async function startServer(env = {}) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await startOnce(env);
    } catch (err) {
      // The free port may be taken between probing and binding: try another.
      if (err.portClash && attempt < 3) continue;
      throw err;
    }
  }
}

/** A unique suffix for emails and identifiers. */
let counter = 0;
export function unique(prefix = 'u') {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${process.pid.toString(36)}${counter}`;
}

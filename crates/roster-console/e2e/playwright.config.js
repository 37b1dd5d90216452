// @ts-check
// Run by scripts/console-e2e, once per backend, against a server it
// started (ROSTER_E2E_URL) and seeded (global-setup.js). Debian's Chromium,
// headless: no browser is downloaded.
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: './tests',
  // One browser at a time: the machine has two cores, shared with the server.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  globalSetup: './global-setup.js',
  outputDir: process.env.ROSTER_E2E_OUTPUT || 'test-results',
  use: {
    baseURL: process.env.ROSTER_E2E_URL,
    headless: true,
    viewport: { width: 1280, height: 800 },
    trace: 'off',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    },
  },
});

import { defineConfig } from '@playwright/test';

// The server is started by scripts/test (fresh database, free port) and its URL passed in PORTAL_URL.
const baseURL = process.env.PORTAL_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  use: {
    baseURL,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
        '--no-first-run',
      ],
    },
  },
  // Every test runs twice: hydrated, and as plain HTML forms with JavaScript off.
  // The development-clock tests move the server's time for everyone, so they run last, in projects of their own.
  projects: [
    { name: 'js', testIgnore: /dev-clock\.spec\.ts/, use: { browserName: 'chromium', javaScriptEnabled: true } },
    { name: 'nojs', testIgnore: /dev-clock\.spec\.ts/, use: { browserName: 'chromium', javaScriptEnabled: false } },
    {
      name: 'clock-js',
      testMatch: /dev-clock\.spec\.ts/,
      dependencies: ['js', 'nojs'],
      use: { browserName: 'chromium', javaScriptEnabled: true },
    },
    {
      name: 'clock-nojs',
      testMatch: /dev-clock\.spec\.ts/,
      dependencies: ['clock-js'],
      use: { browserName: 'chromium', javaScriptEnabled: false },
    },
  ],
});

import { defineConfig } from '@playwright/test';

// The server is started by scripts/test (fresh database, free port) and its URL passed in PORTAL_URL.
const baseURL = process.env.PORTAL_URL ?? 'http://127.0.0.1:3000';
const storageOnly = process.env.PORTAL_E2E_STORAGE_ONLY === '1';
// The specs that exercise what differs between SQLite and PostgreSQL (see projects below).
const STORAGE_SPECS = /(customer|console|job-page|live|instances|api-live|error-tables|dev-clock)\.spec\.ts/;

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
  // On SQLite every test runs twice: hydrated, and as plain HTML forms with JavaScript off. The
  // development-clock tests move the server's time for everyone, so they run last, in projects of their own.
  // On PostgreSQL (scripts/test sets PORTAL_E2E_STORAGE_ONLY) only what differs by database runs, hydrated:
  // the specs whose pages write jobs and read lists, searches, timelines, live changes (NOTIFY), the timer
  // sweep (leases) and several instances. What JavaScript off changes does not depend on the database.
  projects: storageOnly
    ? [
        {
          name: 'js',
          testMatch: STORAGE_SPECS,
          testIgnore: /dev-clock\.spec\.ts/,
          use: { browserName: 'chromium', javaScriptEnabled: true },
        },
        {
          name: 'clock-js',
          testMatch: /dev-clock\.spec\.ts/,
          dependencies: ['js'],
          use: { browserName: 'chromium', javaScriptEnabled: true },
        },
      ]
    : [
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

// Benchmark (scripts/bench, not part of the tests): how long the job page takes to become interactive in
// Debian's Chromium. Each run is a fresh browser context (empty HTTP cache) on loopback; the page counts as
// hydrated when the app sets <body data-hydrated="true"> (the first effect after hydration). Prints one JSON
// line with medians over BENCH_RUNS runs, in milliseconds from navigation start.
const { chromium } = require('@playwright/test');

const url = process.env.BENCH_URL;
const session = process.env.BENCH_SESSION;
const runs = Number(process.env.BENCH_RUNS ?? 5);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--disable-quic', '--no-first-run'],
  });
  const samples = [];
  try {
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext();
      await context.addCookies([{ name: 'portal_session', value: session, url }]);
      const page = await context.newPage();
      await page.addInitScript(() => {
        const seen = () => {
          if (document.body && document.body.getAttribute('data-hydrated') === 'true' && !window.__hydratedAt) {
            window.__hydratedAt = performance.now();
          }
        };
        new MutationObserver(seen).observe(document, { attributes: true, subtree: true, childList: true });
      });
      await page.goto(url, { waitUntil: 'load' });
      await page.waitForFunction(() => window.__hydratedAt !== undefined, null, { timeout: 30000 });
      const t = await page.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0];
        const wasm = performance.getEntriesByType('resource').find((r) => r.name.endsWith('.wasm'));
        return {
          hydrated: window.__hydratedAt,
          dcl: nav.domContentLoadedEventEnd,
          load: nav.loadEventEnd,
          ttfb: nav.responseStart,
          wasmEnd: wasm ? wasm.responseEnd : null,
          wasmBytes: wasm ? wasm.transferSize : null,
        };
      });
      samples.push(t);
      await context.close();
    }
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify({
    runs,
    hydrated_ms: median(samples.map((s) => s.hydrated)),
    max_hydrated_ms: Math.max(...samples.map((s) => s.hydrated)),
    first_hydrated_ms: samples[0].hydrated,
    dcl_ms: median(samples.map((s) => s.dcl)),
    load_ms: median(samples.map((s) => s.load)),
    ttfb_ms: median(samples.map((s) => s.ttfb)),
    wasm_loaded_ms: median(samples.map((s) => s.wasmEnd ?? 0)),
    wasm_transfer_bytes: samples[0].wasmBytes,
  }));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});

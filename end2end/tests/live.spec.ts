import { expect, test } from '@playwright/test';
import { createServer } from 'http';
import { DemoApi } from '../pages/api';
import { CUSTOMER, signIn, STAFF } from '../pages/auth';
import { hasJs, waitForLive } from '../pages/base';
import { ConsolePage } from '../pages/console';
import { JobPage } from '../pages/job-page';
import { JobsPage } from '../pages/jobs-page';
import { OwnServer } from '../pages/server';

test('a change made in one tab appears in another open tab without reloading', async ({ browser }, testInfo) => {
  test.skip(!hasJs(testInfo), 'live updates need JavaScript');
  const context = await browser.newContext();
  const watcher = await context.newPage();
  await signIn(watcher, testInfo, CUSTOMER);
  const jobs = new JobsPage(watcher, testInfo);
  await jobs.open();
  await jobs.openJob('demo-ready-to-ship-3');
  await expect(watcher.locator('body')).toHaveAttribute('data-live', 'open');
  const watched = new JobPage(watcher);
  await watched.expectCurrentState('Creating');
  let reloads = 0;
  watcher.on('load', () => reloads++);

  const actor = await context.newPage();
  await actor.goto(watcher.url());
  await new JobPage(actor).markShipped();
  await new JobPage(actor).expectCurrentState('Shipping');

  await watched.expectCurrentState('Shipping');
  await expect(watched.diagramNode('Creating')).toHaveAttribute('data-visit', 'visited');
  expect(reloads).toBe(0);
  await context.close();
});

test('a staff action moves the customer\'s diagram within a second of the click', async ({ browser }, testInfo) => {
  test.skip(!hasJs(testInfo), 'live updates need JavaScript');
  // On SQLite (the PostgreSQL run checks the same across two instances, instances.spec.ts), on a server of
  // its own so that the shared server's job list keeps its demo jobs on the first page.
  const server = await OwnServer.start(['--dev-clock']);
  const staffContext = await browser.newContext({ baseURL: server.url });
  const customerContext = await browser.newContext({ baseURL: server.url });
  try {
    const staffPage = await staffContext.newPage();
    await signIn(staffPage, testInfo, STAFF);
    const staff = new ConsolePage(staffPage, testInfo);
    const { id } = await staff.createTestJob('shipping');
    const intake = await staff.openJobOp('package-intake');

    const customer = await customerContext.newPage();
    await signIn(customer, testInfo, CUSTOMER);
    await customer.goto(`/jobs/${id}`);
    await waitForLive(customer, testInfo);
    const job = new JobPage(customer);
    await job.expectCurrentState('Shipping');

    await staffPage.bringToFront();
    await intake.getByRole('button', { name: 'Record package intake' }).click();
    const clicked = Date.now();
    await expect(job.diagramNode('Received')).toHaveAttribute('data-visit', 'current', { timeout: 1000 });
    expect(Date.now() - clicked).toBeLessThan(1000);
    await expect(job.stateBadge()).toHaveText('Received');
    await staff.expectState('Received');
  } finally {
    await staffContext.close();
    await customerContext.close();
    await server.stop();
  }
});

test('after a server restart (and a proxy answering 502 meanwhile) the page reconnects and follows changes again', async ({ browser }, testInfo) => {
  test.skip(!hasJs(testInfo), 'live updates need JavaScript');
  test.setTimeout(90_000);
  const server = await OwnServer.start([]);
  const context = await browser.newContext({ baseURL: server.url });
  try {
    const page = await context.newPage();
    await signIn(page, testInfo, CUSTOMER);
    const jobs = new JobsPage(page, testInfo);
    await jobs.open('?q=demo-ready-to-ship-1');
    await jobs.openJob('demo-ready-to-ship-1');
    const body = page.locator('body');
    await expect(body).toHaveAttribute('data-live', 'open');
    let reloads = 0;
    page.on('load', () => reloads++);

    // The server goes away; a proxy in front of it answers 502, which makes the browser give up on the stream.
    await server.kill();
    await expect(body).not.toHaveAttribute('data-live', 'open');
    const [host, port] = server.address.split(':');
    const proxy = createServer((_, res) => {
      res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end('bad gateway');
    });
    await new Promise<void>((r) => proxy.listen(Number(port), host, () => r()));
    await expect(body).toHaveAttribute('data-live', 'closed', { timeout: 15_000 });
    const closed = new Promise<void>((r) => proxy.close(() => r()));
    proxy.closeAllConnections();
    await closed;

    // The server is back on the same address and database: the page reopens its stream by itself.
    await server.restart();
    await expect(body).toHaveAttribute('data-live', 'open', { timeout: 20_000 });
    const api = new DemoApi(context.request, server.url);
    await api.update('demo-ready-to-ship-1', { tags: { after: 'restart' } });
    await expect(page.getByTestId('tags')).toContainText('after: restart');
    expect(reloads).toBe(0);
  } finally {
    await context.close();
    await server.stop();
  }
});

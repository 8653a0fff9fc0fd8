import { expect, test } from '@playwright/test';
import { execFileSync } from 'child_process';
import { CUSTOMER, signIn, STAFF } from '../pages/auth';
import { hasJs } from '../pages/base';
import { ConsolePage } from '../pages/console';
import { OwnServer } from '../pages/server';

/** Two server instances on one PostgreSQL database (scripts/test provides the cluster in PORTAL_PG_ADMIN_URL). */
test('a staff action on one instance moves the diagram of a customer connected to another within a second', async ({ browser }, testInfo) => {
  const admin = process.env.PORTAL_PG_ADMIN_URL;
  test.skip(!admin || !hasJs(testInfo), 'needs the PostgreSQL cluster of the test command, and JavaScript');
  test.setTimeout(120_000);
  const database = `portal_two_${Date.now()}`;
  execFileSync('psql', ['-q', admin!, '-c', `CREATE DATABASE ${database}`]);
  const url = admin!.replace(/\/postgres$/, `/${database}`);
  // The first instance creates the schema and the demo data; the second joins the same database.
  const a = await OwnServer.start(['--database-url', url]);
  const b = await OwnServer.start(['--database-url', url]);
  const staffContext = await browser.newContext({ baseURL: a.url });
  const customerContext = await browser.newContext({ baseURL: b.url });
  try {
    const staffPage = await staffContext.newPage();
    await signIn(staffPage, testInfo, STAFF);
    const console_ = new ConsolePage(staffPage, testInfo);
    await console_.open('/staff?q=demo-shipping');
    const href = await staffPage.locator('a', { hasText: 'demo-shipping' }).first().getAttribute('href');
    const id = Number(/(\d+)$/.exec(href!)![1]);

    const customerPage = await customerContext.newPage();
    await signIn(customerPage, testInfo, CUSTOMER);
    await customerPage.goto(`/jobs/${id}`);
    await expect(customerPage.locator('body')).toHaveAttribute('data-live', 'open');
    await expect(customerPage.getByTestId('job-state').first()).toHaveText('Shipping');

    await console_.openJob(id);
    const intake = await console_.openJobOp('package-intake');
    await intake.getByRole('button', { name: 'Record package intake' }).click();
    await console_.expectState('Received');
    // Instance B learns of it through PostgreSQL and the customer's page redraws, without a reload.
    await expect(customerPage.getByTestId('job-state').first()).toHaveText('Received', { timeout: 1000 });
    await expect(customerPage.getByTestId('job-diagram').getByTestId('node-Received')).toHaveAttribute('data-visit', 'current');
  } finally {
    await staffContext.close();
    await customerContext.close();
    await a.stop();
    await b.stop();
  }
});

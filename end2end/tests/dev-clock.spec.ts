import { expect, test } from '@playwright/test';
import { signIn, STAFF } from '../pages/auth';
import { waitForHydration } from '../pages/base';
import { ConsolePage, customerContext } from '../pages/console';

// Moving the development clock moves it for the whole server, so these tests run in their own projects after
// every other test (see playwright.config.ts). The server must be started with --dev-clock (scripts/test does).

test.beforeEach(async ({ page }, testInfo) => {
  await signIn(page, testInfo, STAFF);
});

test('the development clock expires a Creating job after 14 days', async ({ page, browser }, testInfo) => {
  const staff = new ConsolePage(page, testInfo);
  const { id } = await staff.createTestJob('ready');
  await expect(page.getByTestId('next-timer')).toContainText('deleted if still Creating');
  const customer = await customerContext(browser, testInfo);
  await customer.page.goto(`/jobs/${id}`);
  await expect(customer.page.getByTestId('job-state').first()).toHaveText('Creating');

  await staff.advanceClock(13);
  await staff.openJob(id);
  await expect(page.getByTestId('deleted-badge')).toHaveCount(0);
  await expect(page.getByTestId('job-attention')).toContainText('Expires soon');

  await staff.advanceClock(1, 1);
  await staff.openJob(id);
  await expect(page.getByTestId('deleted-badge')).toContainText('expired while Creating');
  const deleted = staff.events('deleted');
  await expect(deleted.getByTestId('event-actor')).toContainText('System timer');
  await expect(deleted.getByTestId('event-what')).toHaveText('Job expired while Creating');

  // Gone from the customer's view; the history stays for staff.
  const response = await customer.page.goto(`/jobs/${id}`);
  expect(response!.status()).toBe(404);
  await expect(customer.page.getByTestId('not-found')).toBeVisible();
  await customer.context.close();
});

test('the development clock moves an unreceived shipment to NeverReceived, then Closed', async ({ page, browser }, testInfo) => {
  const staff = new ConsolePage(page, testInfo);
  const { id, name } = await staff.createTestJob('shipping');
  const drives = await staff.driveIds();
  await expect(page.getByTestId('next-timer')).toContainText('package overdue if nothing has arrived');

  await staff.advanceClock(14, 1);
  await staff.openJob(id);
  for (const d of drives) {
    await staff.expectDriveState(d, 'NeverReceived');
  }
  const overdue = staff.events('shippingOverdue');
  await expect(overdue.getByTestId('event-actor')).toContainText('System timer');
  await expect(overdue.getByTestId('event-what')).toContainText('Package overdue');
  await expect(staff.jobOp('extend-shipping-wait')).toHaveAttribute('data-allowed', 'true');

  // Staff are alerted: the queue says what to do.
  await staff.open('/staff/attention');
  const row = page.locator(`[data-testid="attention-row"][data-kind="shipping-overdue"][data-job="${name}"]`);
  await expect(row.getByTestId('next-step')).toContainText('Contact the customer about the missing package');

  // The customer sees it on the job page.
  const customer = await customerContext(browser, testInfo);
  await customer.page.goto(`/jobs/${id}`);
  await waitForHydration(customer.page, testInfo);
  await expect(customer.page.getByTestId('drives-table')).toContainText('Never received');

  // Thirty more days without news: the shipment is abandoned and the job closed.
  await staff.advanceClock(30, 1);
  await staff.openJob(id);
  await staff.expectState('Closed');
  await expect(staff.events('shipmentAbandoned').getByTestId('event-actor')).toContainText('System timer');
  await customer.page.goto(`/jobs/${id}`);
  await expect(customer.page.getByTestId('job-state').first()).toHaveText('Closed');
  await customer.context.close();
});

import { expect, test } from '@playwright/test';
import { signIn, STAFF } from '../pages/auth';
import { hasJs, waitForHydration, waitForLive } from '../pages/base';
import { ConsolePage, customerContext } from '../pages/console';

// Moving the development clock moves it for the whole server, so these tests run in their own projects after
// every other test (see playwright.config.ts). The server must be started with --dev-clock (scripts/test does).

test.beforeEach(async ({ page }, testInfo) => {
  await signIn(page, testInfo, STAFF);
});

test('the development clock expires a Creating job after 14 days', async ({ page, browser }, testInfo) => {
  const staff = new ConsolePage(page, testInfo);
  const { id, name } = await staff.createTestJob('ready');
  await expect(page.getByTestId('next-timer')).toContainText('deleted if still Creating');
  const customer = await customerContext(browser, testInfo);
  await customer.page.goto(`/jobs/${id}`);
  await expect(customer.page.getByTestId('job-state').first()).toHaveText('Creating');
  // The customer is told when the job will be deleted.
  const expiry = customer.page.locator('[data-notice="creating-expiry"]');
  await expect(expiry).toContainText('deleted automatically on');
  await expect(expiry).toHaveClass(/notice-info/);

  await staff.advanceClock(13);
  await customer.page.reload();
  await expect(expiry).toHaveClass(/notice-warning/);
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
  // ...but the customer's job list says what happened and when.
  await customer.page.goto('/jobs');
  await waitForHydration(customer.page, testInfo);
  const removed = customer.page.locator(`[data-testid="removal-notice"][data-job="${name}"]`);
  await expect(removed).toHaveAttribute('data-notice', 'creating-expired');
  await expect(removed).toContainText(`Job ${name} was deleted automatically`);
  await expect(removed).toContainText('It stayed in Creating for 14d');
  await expect(customer.page.locator(`[data-testid="job-row"][data-job="${name}"]`)).toHaveCount(0);
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
  const overdueNotice = customer.page.locator('[data-notice="shipping-overdue"]');
  await expect(overdueNotice).toContainText('Package overdue');
  await expect(overdueNotice).toContainText('Unless the package arrives, the job closes on');
  for (const d of drives) {
    await expect(overdueNotice).toContainText(d);
  }

  // Thirty more days without news: the shipment is abandoned and the job closed.
  await staff.advanceClock(30, 1);
  await staff.openJob(id);
  await staff.expectState('Closed');
  await expect(staff.events('shipmentAbandoned').getByTestId('event-actor')).toContainText('System timer');
  await customer.page.goto(`/jobs/${id}`);
  await expect(customer.page.getByTestId('job-state').first()).toHaveText('Closed');
  await expect(customer.page.locator('[data-notice="shipment-abandoned"]')).toContainText('the package never arrived');
  await expect(customer.page.locator('[data-notice="shipping-overdue"]')).toHaveCount(0);
  await expect(customer.page.locator('[data-notice="retention"]')).toContainText('removed automatically 90d after');
  await customer.context.close();
});

test('staff extend the shipping wait after the overdue notice; the customer sees the new date', async ({ page, browser }, testInfo) => {
  const staff = new ConsolePage(page, testInfo);
  const { id } = await staff.createTestJob('shipping');
  await staff.advanceClock(14, 1);
  await staff.openJob(id);
  await expect(staff.events('shippingOverdue')).toHaveCount(1);
  const customer = await customerContext(browser, testInfo);
  await customer.page.goto(`/jobs/${id}`);
  const notice = customer.page.locator('[data-notice="shipping-overdue"]');
  const before = /closes on ([0-9-]+)/.exec((await notice.textContent())!)![1];

  const extend = await staff.openJobOp('extend-shipping-wait');
  await extend.getByLabel('Extend by (days)').fill('10');
  await extend.getByRole('button', { name: 'Extend the wait' }).click();
  const extended = staff.events('shippingWaitExtended');
  await expect(extended).toHaveCount(1);
  await expect(extended.getByTestId('event-actor')).toHaveText('Staff Sam Staff');
  await expect(extended).toContainText('10 day(s)');

  // The customer's notice moves by ten days.
  const expected = new Date(Date.parse(`${before}T00:00:00Z`) + 10 * 86_400_000).toISOString().slice(0, 10);
  await customer.page.reload();
  await expect(notice).toContainText(`the job closes on ${expected}`);

  // Thirty days after the notice it is still waiting; ten more and it is closed.
  await staff.advanceClock(30, 1);
  await staff.openJob(id);
  await staff.expectState('Shipping');
  await staff.advanceClock(10);
  await staff.openJob(id);
  await staff.expectState('Closed');
  await customer.page.reload();
  await expect(customer.page.locator('[data-notice="shipment-abandoned"]')).toBeVisible();
  await customer.context.close();
});

test('an intake deadline fired by the sweep reaches open intake and queue pages', async ({ page, context }, testInfo) => {
  const staff = new ConsolePage(page, testInfo);
  const tracking = `DEADLINE-${testInfo.project.name.toUpperCase()}`;
  await staff.open('/staff/intakes');
  const form = page.getByTestId('record-intake-form');
  await form.getByLabel('Tracking number').fill(tracking);
  await form.getByLabel('Drives in the package').fill(`WD-${tracking}`);
  await form.getByRole('button', { name: 'Record unmatched intake' }).click();
  const card = (p: typeof page) => p.locator(`[data-testid="intake"][data-tracking="${tracking}"]`);
  await expect(card(page)).toHaveAttribute('data-status', 'AwaitingCustomer');

  // A second tab follows the intakes page; the first moves the clock past the return deadline.
  const watcher = await context.newPage();
  await watcher.goto('/staff/intakes');
  await waitForHydration(watcher, testInfo);
  await waitForLive(watcher, testInfo);
  await expect(card(watcher)).toHaveAttribute('data-status', 'AwaitingCustomer');
  const queue = await context.newPage();
  await queue.goto('/staff/attention');
  await waitForHydration(queue, testInfo);
  await waitForLive(queue, testInfo);
  const row = queue.locator('[data-testid="attention-row"][data-kind="unmatched-intake"]', { hasText: tracking });
  await expect(row.getByTestId('next-step')).toContainText('Reach the customer');

  await staff.advanceClock(14, 1);
  if (!hasJs(testInfo)) {
    await watcher.reload();
    await queue.reload();
  }
  await expect(card(watcher)).toHaveAttribute('data-status', 'ReturnDue');
  await expect(card(watcher).getByTestId('intake-next-step')).toContainText('return the drives to the sender');
  await expect(row.getByTestId('next-step')).toContainText('return the drives to the sender');
  // Once the destruction deadline has passed, the customer can no longer claim the drives.
  await staff.advanceClock(80);
  if (!hasJs(testInfo)) {
    await watcher.reload();
  }
  await expect(card(watcher)).toHaveAttribute('data-status', 'DestructionDue');

  // Resolved in the first tab (an intake of no job: nothing but the intake changes): the others follow.
  await staff.open('/staff/intakes');
  await card(page).locator('details.op > summary').click();
  const outcomes = await card(page).getByLabel('What happened').locator('option').evaluateAll((o) => o.map((e) => (e as HTMLOptionElement).value));
  expect(outcomes).toEqual(['Returned', 'Destroyed']);
  await card(page).getByLabel('What happened').selectOption('Destroyed');
  // Destroyed cannot be undone: refused until confirmed.
  await card(page).getByRole('button', { name: 'Resolve intake' }).click();
  await expect(card(page).locator('[data-field-error="confirm"]')).toContainText('cannot be undone');
  await card(page).getByLabel('What happened').selectOption('Destroyed');
  await card(page).getByLabel(/this cannot be undone/).check();
  await card(page).getByRole('button', { name: 'Resolve intake' }).click();
  await expect(page.locator(`[data-testid="resolved-intakes"] [data-tracking="${tracking}"]`)).toBeVisible();
  if (!hasJs(testInfo)) {
    await watcher.reload();
    await queue.reload();
  }
  await expect(watcher.locator(`[data-testid="resolved-intakes"] [data-tracking="${tracking}"]`)).toHaveAttribute('data-status', 'Resolved');
  await expect(row).toHaveCount(0);
  await watcher.close();
  await queue.close();
});

test('an operator cancels an overdue shipment; it ends Completed at the abandonment deadline', async ({ page, browser }, testInfo) => {
  const staff = new ConsolePage(page, testInfo);
  const { id } = await staff.createTestJob('shipping');
  // Before the package is overdue, and under the default window, cancelling is open to operations too.
  await expect(staff.jobOp('cancel-job')).toHaveAttribute('data-allowed', 'true');
  await staff.advanceClock(14, 1);
  await staff.openJob(id);
  await expect(page.getByTestId('job-attention')).toContainText('Package overdue');

  const cancel = await staff.openJobOp('cancel-job');
  await expect(cancel.getByTestId('cancel-effect')).toContainText('returned uncopied');
  // A reason is required: the browser says so first, and the server too when the browser does not check.
  const reason = cancel.getByLabel('Reason');
  await expect(reason).toHaveAttribute('required', '');
  await reason.evaluate((e) => e.removeAttribute('required'));
  await cancel.getByLabel(/this cannot be undone/).check();
  await cancel.getByRole('button', { name: 'Cancel the job' }).click();
  await expect(staff.jobOp('cancel-job').locator('[data-field-error="reason"]')).toContainText('required');
  await staff.jobOp('cancel-job').getByLabel('Reason').fill('Customer phoned: the package was lost in transit');
  await staff.jobOp('cancel-job').getByLabel(/this cannot be undone/).check();
  await staff.jobOp('cancel-job').getByRole('button', { name: 'Cancel the job' }).click();
  const event = staff.events('cancellationRequested');
  await expect(event.getByTestId('event-what')).toContainText('Cancelled by operations');
  await expect(event.getByTestId('event-what')).toContainText('lost in transit');
  await expect(event.getByTestId('event-actor')).toContainText('Sam Staff');
  await expect(staff.jobOp('cancel-job')).toHaveAttribute('data-allowed', 'false');

  const customer = await customerContext(browser, testInfo);
  await customer.page.goto(`/jobs/${id}`);
  await expect(customer.page.getByTestId('cancelled-badge').first()).toBeVisible();

  // Nothing arrives: at the abandonment deadline a cancelled job ends Completed, not Closed.
  await staff.advanceClock(30, 1);
  await staff.openJob(id);
  await staff.expectState('Completed');
  await expect(staff.events('shipmentAbandoned')).toHaveCount(1);
  await customer.page.reload();
  await expect(customer.page.getByTestId('job-state').first()).toHaveText('Completed');
  await expect(customer.page.locator('[data-notice="cancelled-shipment-ended"]')).toBeVisible();
  await customer.context.close();
});

import { expect, test } from '@playwright/test';
import { signIn, STAFF } from '../pages/auth';
import { ConsolePage, customerContext } from '../pages/console';

// Issue 17, item 1: problems are raised, not just coloured.

test.beforeEach(async ({ page }, testInfo) => {
  await signIn(page, testInfo, STAFF);
});

test('a drive missing at intake raises the customer notice and the queue entry until it arrives', async ({ page, browser }, testInfo) => {
  const staff = new ConsolePage(page, testInfo);
  const { id, name } = await staff.createTestJob('shipping');
  const [, b] = await staff.driveIds();
  const intake = await staff.openJobOp('package-intake');
  await intake.getByLabel(b).uncheck();
  await intake.getByRole('button', { name: 'Record package intake' }).click();
  await staff.expectState('Received');

  // The customer: a notice at the top, naming the drive and what happens now.
  const customer = await customerContext(browser, testInfo);
  await customer.page.goto(`/jobs/${id}`);
  const notice = customer.page.locator('[data-notice="drive-missing"]');
  await expect(notice).toContainText(`Drive ${b} was not in the package`);
  await expect(notice).toContainText('goes on with the other drives');
  await expect(notice).toContainText('still accepted');
  await expect(notice).toContainText('Closed');
  await expect(notice).toHaveAttribute('role', 'alert');
  // The jobs list marks the job.
  await customer.page.goto(`/jobs?q=${encodeURIComponent(name)}`);
  const listed = customer.page.locator(`[data-testid="job-row"][data-job="${name}"]`);
  await expect(listed.getByTestId('problem-mark')).toBeVisible();
  await expect(listed.getByTestId('problem-mark')).toHaveText(/Problem/);

  // Staff: an entry in the attention queue.
  await staff.open('/staff/attention');
  const row = page.locator(`[data-testid="attention-row"][data-kind="drive-missing"][data-job="${name}"]`);
  await expect(row).toContainText(b);

  // The drive arrives: both go away.
  await staff.openJob(id);
  await (await staff.openDriveOp(b, 'receive-late')).getByRole('button', { name: 'Record the late arrival' }).click();
  await staff.expectDriveState(b, 'Received');
  await staff.open('/staff/attention');
  await expect(row).toHaveCount(0);
  await customer.page.goto(`/jobs/${id}`);
  await expect(customer.page.getByTestId('job-name')).toHaveText(name);
  await expect(customer.page.locator('[data-notice="drive-missing"]')).toHaveCount(0);
  await customer.page.goto(`/jobs?q=${encodeURIComponent(name)}`);
  await expect(listed).toBeVisible();
  await expect(listed.getByTestId('problem-mark')).toHaveCount(0);
  await customer.context.close();
});

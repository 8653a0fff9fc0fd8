import { expect, test } from '@playwright/test';
import { signIn, STAFF } from '../pages/auth';
import { hasJs, waitForHydration } from '../pages/base';
import { ConsolePage, customerContext } from '../pages/console';
import { JobActionsPage, JobPage } from '../pages/job-page';

// Issue 17: feedback after what people do (cancellation), and staff forms that prevent mistakes.

test.beforeEach(async ({ page }, testInfo) => {
  await signIn(page, testInfo, STAFF);
});

test('a cancelled Shipping job confirms what happens and its next steps follow the return path', async ({ page, browser }, testInfo) => {
  const staff = new ConsolePage(page, testInfo);
  const { id } = await staff.createTestJob('shipping');
  const customer = await customerContext(browser, testInfo);
  await customer.page.goto(`/jobs/${id}`);
  await waitForHydration(customer.page, testInfo);
  const section = customer.page.getByTestId('cancel-section');
  // Collapsed until the customer opens it.
  await expect(section).not.toHaveAttribute('open', '');
  await expect(customer.page.getByTestId('cancel-job')).toBeHidden();
  await expect(customer.page.locator('[data-notice="cancelled"]')).toHaveCount(0);
  await new JobActionsPage(customer.page).cancel();

  await expect(customer.page.getByTestId('cancelled-badge')).toBeVisible();
  await new JobPage(customer.page).expectCurrentState('Shipping');
  const notice = customer.page.locator('[data-notice="cancelled"]');
  await expect(notice).toContainText('Cancellation requested');
  await expect(notice).toContainText('Nothing will be copied');
  await expect(notice).toContainText('returned uncopied to your return address');
  const next = customer.page.getByTestId('next-steps');
  await expect(next).toContainText('Package arrives: nothing is copied, the drives are returned → Received');
  await expect(next.locator('[data-to="Closed"]')).toHaveCount(0);
  await customer.context.close();
});

test('staff forms: Start copy in one click, bytes with units shown before saving, a fixed copy status, a confirmed ship-back with the customer\'s account', async ({ page }, testInfo) => {
  const staff = new ConsolePage(page, testInfo);
  await staff.createTestJob('shipping');
  const [a, b] = await staff.driveIds();
  const intake = await staff.openJobOp('package-intake');
  await intake.getByRole('button', { name: 'Record package intake' }).click();
  await staff.expectState('Received');

  // One click: no form to open first.
  for (const d of [a, b]) {
    const start = staff.driveOp(d, 'start-copy');
    await expect(start.locator('details')).toHaveCount(0);
    await start.getByRole('button', { name: 'Start copy' }).click();
    await staff.expectDriveState(d, 'Transferring');
  }

  const progress = await staff.openDriveOp(a, 'report-progress');
  const status = progress.getByLabel('Copy status');
  const options = await status.locator('option').evaluateAll((o) => o.map((e) => (e as HTMLOptionElement).value));
  expect(options).toEqual(['InProgress', 'Paused', 'Verifying']);
  await progress.getByLabel('Percent').fill('40');
  const bytes = progress.getByLabel('Bytes copied');
  await expect(bytes).toHaveAttribute('type', 'text');
  if (hasJs(testInfo)) {
    // The value the server will save, as it is typed; a comma is explained.
    await bytes.fill('1,5 TiB');
    await expect(progress.getByTestId('bytes-parse-error')).toContainText('decimal separator');
    await bytes.fill('1.5 TiB');
    await expect(progress.getByTestId('bytes-parsed')).toContainText('1\u202f649\u202f267\u202f441\u202f664 bytes (1.5 TiB)');
  } else {
    // Refused by the server with the same rule, what was typed kept.
    await bytes.fill('1,5 TiB');
    await status.selectOption('Paused');
    await progress.getByRole('button', { name: 'Report progress' }).click();
    const refused = staff.driveOp(a, 'report-progress');
    await expect(refused.locator('[data-field-error="bytes_succeeded"]')).toContainText('decimal separator');
    await expect(refused.getByLabel('Bytes copied')).toHaveValue('1,5 TiB');
    await refused.getByLabel('Bytes copied').fill('1.5 TiB');
    await refused.getByLabel('Percent').fill('40');
  }
  await staff.driveOp(a, 'report-progress').getByLabel('Copy status').selectOption('Paused');
  await staff.driveOp(a, 'report-progress').getByRole('button', { name: 'Report progress' }).click();
  await expect(staff.drive(a).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '40');
  // Saved exactly: the form now starts from the stored value, shown in both forms.
  const again = await staff.openDriveOp(a, 'report-progress');
  await expect(again.getByTestId('bytes-parsed')).toContainText('1\u202f649\u202f267\u202f441\u202f664 bytes (1.5 TiB)');
  await expect(again.getByLabel('Copy status')).toHaveValue('Paused');

  for (const d of [a, b]) {
    await (await staff.openDriveOp(d, 'finish')).getByRole('button', { name: 'Finish the drive' }).click();
    await staff.expectDriveState(d, 'Completed');
  }
  await staff.expectState('Packaging');

  // Ship back: the customer's carrier prefilled, their account number shown, and a confirmation.
  const ship = await staff.openJobOp('ship-back');
  await expect(ship.getByLabel('Carrier')).toHaveValue('UPS');
  await expect(ship.getByTestId('ship-back-account')).toContainText('123456789');
  await ship.getByLabel('Tracking number').fill(`RET${Date.now()}`);
  const confirm = ship.getByLabel(/this cannot be undone/);
  await expect(confirm).toHaveAttribute('required', '');
  await confirm.check();
  await ship.getByRole('button', { name: 'Ship back' }).click();
  await staff.expectState('Completed');
});

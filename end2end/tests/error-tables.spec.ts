import { expect, Page, test, TestInfo } from '@playwright/test';
import { signIn, STAFF } from '../pages/auth';
import { waitForHydration } from '../pages/base';
import { ConsolePage, customerContext, expectCustomerSees } from '../pages/console';
import { JobActionsPage } from '../pages/job-page';

// The documentation's error tables as staff and customers meet them (the overdue cancellation needs the
// development clock and lives in dev-clock.spec.ts).

test.beforeEach(async ({ page }, testInfo) => {
  await signIn(page, testInfo, STAFF);
});

/** Takes the open test job from Shipping to Packaging: intake of `found`, then copies them. */
async function toPackaging(staff: ConsolePage, page: Page, found: string[], all: string[]): Promise<void> {
  const intake = await staff.openJobOp('package-intake');
  for (const d of all.filter((d) => !found.includes(d))) {
    await intake.getByLabel(d).uncheck();
  }
  await intake.getByRole('button', { name: 'Record package intake' }).click();
  await staff.expectState('Received');
  for (const d of found) {
    await (await staff.openDriveOp(d, 'start-copy')).getByRole('button', { name: 'Start copy' }).click();
    await staff.expectDriveState(d, 'Transferring');
    await (await staff.openDriveOp(d, 'finish')).getByRole('button', { name: 'Finish the drive' }).click();
    await staff.expectDriveState(d, 'Completed');
  }
  await staff.expectState('Packaging');
}

test('staff report a wrong return address; the customer corrects it and staff ship back', async ({ page, browser }, testInfo: TestInfo) => {
  const staff = new ConsolePage(page, testInfo);
  const { id } = await staff.createTestJob('shipping');
  const drives = await staff.driveIds();
  await toPackaging(staff, page, drives, drives);

  const report = await staff.openJobOp('report-return-address');
  await report.getByLabel('What is wrong with the address').fill('The street does not exist in Redmond');
  await report.getByLabel(/this cannot be undone/).check();
  await report.getByRole('button', { name: 'Report the return address' }).click();
  await expect(page.getByTestId('job-attention')).toContainText('Return address reported wrong');
  // Ship-back waits, and says why.
  await expect(staff.jobOp('ship-back')).toHaveAttribute('data-allowed', 'false');
  await expect(staff.jobOp('ship-back').getByTestId('op-reason')).toContainText('The street does not exist');
  // The reason links to the form that fixes it, which opens (JavaScript on or off).
  const reason = staff.jobOp('ship-back').getByRole('link', { name: /The street does not exist/ });
  await expect(reason).toHaveAttribute('href', '#form-correct-return-address');
  await reason.click();
  await expect(page.locator('#form-correct-return-address')).toBeVisible();

  // The customer is asked for a corrected address; only that form is open.
  const customer = await customerContext(browser, testInfo);
  await customer.page.goto(`/jobs/${id}`);
  await waitForHydration(customer.page, testInfo);
  const notice = customer.page.locator('[data-notice="return-address-reported"]');
  await expect(notice).toContainText('The street does not exist in Redmond');
  await expect(notice).toContainText('securely destroyed on');
  const addressCard = customer.page.getByTestId('address-card');
  await expect(addressCard.getByTestId('save-address')).toBeEnabled();
  await expect(customer.page.getByTestId('delivery-card').getByTestId('save-delivery')).toBeDisabled();
  await new JobActionsPage(customer.page).saveAddress({ street_address1: '1 Microsoft Way', postal_code: '98052' });
  await expect(notice).toHaveCount(0);
  await expect(addressCard.getByTestId('save-address')).toBeDisabled();

  // The report is cleared: staff ship back.
  await staff.openJob(id);
  await expect(staff.events('propertiesUpdated').last().getByTestId('event-actor')).toContainText('Dana Demo');
  const ship = await staff.openJobOp('ship-back');
  await ship.getByLabel('Tracking number').fill(`RET-${id}`);
  await ship.getByLabel(/this cannot be undone/).check();
  await ship.getByRole('button', { name: 'Ship back' }).click();
  await staff.expectState('Completed');
  await expectCustomerSees(customer.page, testInfo, 'Completed');
  await customer.context.close();
});

test('a late drive arriving while Packaging sends the job back to Transferring to be copied', async ({ page }, testInfo) => {
  const staff = new ConsolePage(page, testInfo);
  await staff.createTestJob('shipping');
  const [a, b] = await staff.driveIds();
  await toPackaging(staff, page, [a], [a, b]);
  await staff.expectDriveState(b, 'NeverReceived');

  await (await staff.openDriveOp(b, 'receive-late')).getByRole('button', { name: 'Record the late arrival' }).click();
  await staff.expectDriveState(b, 'Received');
  await staff.expectState('Transferring');
  await (await staff.openDriveOp(b, 'start-copy')).getByRole('button', { name: 'Start copy' }).click();
  await (await staff.openDriveOp(b, 'finish')).getByRole('button', { name: 'Finish the drive' }).click();
  await staff.expectState('Packaging');
  // Both drives arrived in the end: the job ships back Completed.
  const ship = await staff.openJobOp('ship-back');
  await expect(ship.getByLabel('Drive count')).toHaveValue('2');
  await ship.getByLabel('Tracking number').fill('RET-LATE-1');
  await ship.getByLabel(/this cannot be undone/).check();
  await ship.getByRole('button', { name: 'Ship back' }).click();
  await staff.expectState('Completed');
});

test('the customer reports a problem with returned drives and staff resolve it', async ({ page, browser }, testInfo) => {
  const staff = new ConsolePage(page, testInfo);
  const { id } = await staff.createTestJob('shipping');
  const drives = await staff.driveIds();
  await toPackaging(staff, page, drives, drives);
  const ship = await staff.openJobOp('ship-back');
  await ship.getByLabel('Tracking number').fill(`RETP-${id}`);
  await ship.getByLabel(/this cannot be undone/).check();
  await ship.getByRole('button', { name: 'Ship back' }).click();
  await staff.expectState('Completed');

  const customer = await customerContext(browser, testInfo);
  await customer.page.goto(`/jobs/${id}`);
  await waitForHydration(customer.page, testInfo);
  await expect(customer.page.locator('[data-notice="drives-shipped-back"]')).toContainText(`RETP-${id}`);
  const section = customer.page.getByTestId('report-problem-section');
  await section.locator('summary').click();
  // An empty report is refused, naming the field.
  await section.getByTestId('report-problem').click();
  await expect(customer.page.locator('[data-field-error="description"]')).toContainText('required');
  const again = customer.page.getByTestId('report-problem-section');
  if (!(await again.evaluate((d) => (d as HTMLDetailsElement).open))) {
    await again.locator('summary').click();
  }
  await again.getByLabel('What happened').fill('One drive arrived with a cracked connector');
  await again.getByTestId('report-problem').click();
  await expect(customer.page.getByTestId('return-problem')).toContainText('cracked connector');

  await staff.openJob(id);
  await expect(page.getByTestId('job-attention')).toContainText('Returned drives problem');
  const resolve = await staff.openJobOp('resolve-return-problem');
  await expect(resolve.getByTestId('return-problem-report')).toContainText('cracked connector');
  await resolve.getByLabel('What was done').fill('Carrier claim filed; replacement sent');
  await resolve.getByRole('button', { name: 'Resolve the report' }).click();
  await expect(staff.events('returnProblemResolved')).toContainText('Carrier claim filed');
  await customer.context.close();
});

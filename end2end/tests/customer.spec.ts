import { expect, Page, test, TestInfo } from '@playwright/test';
import { CUSTOMER, signIn } from '../pages/auth';
import { hasJs, waitForHydration, waitForLive } from '../pages/base';
import { openDetails } from '../pages/console';
import { JobActionsPage, JobPage } from '../pages/job-page';
import { JobsPage } from '../pages/jobs-page';
import { NewJobPage, uniqueName } from '../pages/new-job-page';

const ADDRESS = {
  recipient_name: 'Ada Lovelace',
  street_address1: '1 Analytical Way',
  city: 'Redmond',
  postal_code: '98052',
  country_or_region: 'USA',
  phone: '+1 425 555 0100',
  email: 'ada@example.com',
};

test.beforeEach(async ({ page }, testInfo) => {
  await signIn(page, testInfo, CUSTOMER);
});

/** A fresh export job of the demo customer (so the demo data stays as it is for the other tests); its id. */
async function createExportJob(page: Page, testInfo: TestInfo, prefix: string): Promise<number> {
  const form = new NewJobPage(page, testInfo);
  await form.open('export');
  const name = uniqueName(prefix, testInfo);
  await form.fillBasics(name);
  await form.field('job[blob_paths]').fill('/photos/a.jpg');
  await form.submit();
  await expect(page.getByTestId('job-name')).toHaveText(name);
  await waitForLive(page, testInfo);
  return Number(/\/jobs\/(\d+)/.exec(page.url())![1]);
}

test('create an import job with three drives, then ship it once both shipping details exist', async ({ page }, testInfo) => {
  const form = new NewJobPage(page, testInfo);
  await form.open('import');
  await expect(page.getByTestId('carriers')).toContainText('FedEx');
  await form.addDrives(3);
  const name = uniqueName('imp', testInfo);
  await form.fillBasics(name);
  for (const i of [0, 1, 2]) await form.fillDrive(i, `SER${i}-${testInfo.project.name}`);
  await form.submit();

  await expect(page.getByTestId('job-name')).toHaveText(name);
  const job = new JobPage(page);
  await job.expectCurrentState('Creating');
  await expect(page.getByTestId('drive')).toHaveCount(3);
  await expect(job.markShippedReason()).toHaveText(
    'Mark as shipped needs a delivery package tracking number, a return address and return shipping (carrier and carrier account number)');

  const actions = new JobActionsPage(page);
  await actions.saveDelivery('FedEx', `TRK${Date.now()}`);
  await expect(job.markShippedReason()).toHaveText(
    'Mark as shipped needs a return address and return shipping (carrier and carrier account number)');
  await waitForHydration(page, testInfo);
  await actions.saveAddress(ADDRESS);
  await expect(job.markShippedReason()).toHaveText('Mark as shipped needs return shipping (carrier and carrier account number)');
  await actions.saveReturnShipping('FedEx', '123456789');
  await expect(job.markShippedReason()).toHaveCount(0);
  await expect(job.markShippedButton()).toBeEnabled();
  await job.markShipped();
  await job.expectCurrentState('Shipping');
  await expect(page.getByTestId('delivery-locked')).toHaveCount(0);
  await expect(page.getByTestId('tracking-link')).toHaveAttribute('href', /fedex\.com/);
});

test('create an export job with blob paths', async ({ page }, testInfo) => {
  const form = new NewJobPage(page, testInfo);
  await form.open('export');
  const name = uniqueName('exp', testInfo);
  await form.fillBasics(name);
  await form.field('job[blob_paths]').fill('/photos/2026/holiday.jpg\n/photos/2026/beach.jpg');
  await form.field('job[blob_path_prefixes]').fill('/backups/');
  await form.submit();
  await expect(page.getByTestId('job-name')).toHaveText(name);
  await new JobPage(page).expectCurrentState('Creating');
  await expect(page.getByTestId('no-drives')).toBeVisible();
});

test('invalid input is explained field by field and what was typed is kept', async ({ page }, testInfo) => {
  const form = new NewJobPage(page, testInfo);
  await form.open('import');
  await form.field('job[name]').fill('Bad Name');
  await form.field('job[storage_account_id]').fill('not-an-id');
  await form.fillDrive(0, 'SER-OK');
  await form.field('job[drives][0][bit_locker_key]').fill('1234');
  // Browsers accept ada@example as an email; the portal wants a domain with a dot.
  await form.fillReturnAddress('ada@example');
  if (hasJs(testInfo)) {
    // Checked as typed, with the same rules as the server.
    await expect(form.errorOf('job[name]')).toHaveText('Job name must not contain spaces');
  }
  await form.submit();
  await expect(form.errorOf('job[name]')).toHaveText('Job name must not contain spaces');
  await expect(form.errorOf('job[storage_account_id]')).toContainText('Storage account id must look like');
  await expect(form.errorOf('job[drives][0][bit_locker_key]')).toContainText('BitLocker key must be 48 digits');
  await expect(form.errorOf('job[address][email]')).toHaveText('Email must be an address like name@example.com');
  // Nothing typed is lost, BitLocker keys included (without JavaScript the form posts to its own page, so they
  // never travel in a URL).
  await expect(form.field('job[name]')).toHaveValue('Bad Name');
  await expect(form.field('job[drives][0][bit_locker_key]')).toHaveValue('1234');
  await expect(form.field('job[drives][0][drive_id]')).toHaveValue('SER-OK');
  await expect(form.field('job[address][city]')).toHaveValue('Redmond');
  await expect(page).toHaveURL(/\/jobs\/new/);
});

test('at most ten drives can be listed', async ({ page }, testInfo) => {
  const form = new NewJobPage(page, testInfo);
  await page.goto('/jobs/new?type=import&drives=10');
  await waitForHydration(page, testInfo);
  await expect(page.getByTestId('drive-row')).toHaveCount(10);
  await expect(page.getByTestId('add-drive')).toBeDisabled();
  await expect(page.getByTestId('drive-limit')).toContainText('at most 10 drives');
  await page.goto('/jobs/new?type=import&drives=11');
  await expect(page.getByTestId('drive-row')).toHaveCount(10);
  void form;
});

test('an empty tracking number is refused with the field named and the job unchanged', async ({ page }, testInfo) => {
  const jobs = new JobsPage(page, testInfo);
  await jobs.open();
  await jobs.openJob('demo-creating');
  const card = page.getByTestId('delivery-card');
  await card.locator('[name="pkg[carrier_name]"]').selectOption('FedEx');
  // Only spaces: the browser's "required" check passes, the server's does not.
  await card.locator('[name="pkg[tracking_number]"]').fill('   ');
  await card.getByTestId('save-delivery').click();
  await expect(page.locator('[data-field-error="pkg[tracking_number]"]')).toHaveText('Tracking number is required');
  await new JobPage(page).expectCurrentState('Creating');
});

test('locked forms say why', async ({ page }, testInfo) => {
  const jobs = new JobsPage(page, testInfo);
  await jobs.open();
  await jobs.openJob('demo-transferring');
  await expect(page.getByTestId('delivery-locked')).toHaveText(
    'Locked: The delivery package can be changed only while the job is Creating or Shipping; the job is Transferring.',
  );
  await expect(page.getByTestId('address-locked')).toContainText('Contact support to correct it');
  await expect(page.getByTestId('save-delivery')).toBeDisabled();
});

test('BitLocker keys are shown only on request', async ({ page }, testInfo) => {
  const jobs = new JobsPage(page, testInfo);
  await jobs.open();
  await jobs.openJob('demo-received');
  await expect(page.getByTestId('keys')).toHaveCount(0);
  await page.getByTestId('show-keys').click();
  await expect(page.getByTestId('keys')).toContainText('WD-DEMO-A1');
  await expect(page.getByTestId('keys').locator('dd').first()).toHaveText(/^(\d{6}-){7}\d{6}$/);
  await page.getByTestId('hide-keys').click();
  await expect(page.getByTestId('keys')).toHaveCount(0);
});

test('delete is offered only while Creating or Completed, and removes the job', async ({ page }, testInfo) => {
  const jobs = new JobsPage(page, testInfo);
  await jobs.open();
  await jobs.openJob('demo-shipping');
  await expect(page.getByTestId('delete-job')).toBeDisabled();
  await expect(page.getByTestId('delete-reason')).toHaveText('A job can be deleted only while Creating or Completed; the job is Shipping');

  // A fresh job to delete, so the demo data stays intact for the other tests.
  const form = new NewJobPage(page, testInfo);
  await form.open('export');
  const name = uniqueName('del', testInfo);
  await form.fillBasics(name);
  await form.field('job[blob_paths]').fill('/photos/a.jpg');
  await form.submit();
  await expect(page.getByTestId('job-name')).toHaveText(name);
  await waitForLive(page, testInfo);
  await page.getByTestId('delete-section').locator('summary').click();
  await page.getByLabel('Yes, delete this job').check();
  await page.getByTestId('delete-job').click();
  await expect(page).toHaveURL(/\/jobs$/);
  await jobs.open(`?q=${name}`);
  await expect(page.getByTestId('jobs-empty')).toBeVisible();
});

test('cancelling a Creating job ends it at once, with the Cancelled badge', async ({ page }, testInfo) => {
  const form = new NewJobPage(page, testInfo);
  await form.open('export');
  const name = uniqueName('can', testInfo);
  await form.fillBasics(name);
  await form.field('job[blob_paths]').fill('/photos/a.jpg');
  await form.submit();
  await expect(page.getByTestId('job-name')).toHaveText(name);
  await expect(page.getByTestId('cancel-effect')).toContainText('the job ends at once');
  await new JobActionsPage(page).cancel();
  await new JobPage(page).expectCurrentState('Completed');
  await expect(page.getByTestId('cancelled-badge')).toBeVisible();
  await expect(page.getByTestId('cancel-reason')).toHaveText('Cancellation has already been requested');
  // The diagram draws the path taken along the cancel edge (Creating → Completed), not the normal one.
  const diagram = page.getByTestId('job-diagram');
  const taken = diagram.locator('path.edge.taken');
  await expect(taken).toHaveCount(1);
  await expect(taken).toHaveClass(/\bcancel\b/);
  await expect(taken.locator('title')).toContainText('Cancelled before shipping (by you)');
  await expect(diagram.getByTestId('node-Shipping')).toHaveAttribute('data-visit', 'untouched');
  await expect(page.getByTestId('job-path')).toContainText('Completed at');
});

test('the return shipping form saves, and a bad account number is refused with the choice kept', async ({ page }, testInfo) => {
  const id = await createExportJob(page, testInfo, 'ret');
  const card = page.getByTestId('return-shipping-card');
  const carrier = card.locator('[name="shipping[carrier_name]"]');
  const account = card.locator('[name="shipping[carrier_account_number]"]');
  await carrier.selectOption('DHL');
  await account.fill('DHL-123456');
  await card.getByRole('button', { name: 'Save return shipping' }).click();
  if (hasJs(testInfo)) await expect(card.getByText('Saved.')).toBeVisible();
  await page.goto(`/jobs/${id}`);
  await waitForLive(page, testInfo);
  await expect(carrier).toHaveValue('DHL');
  await expect(account).toHaveValue('DHL-123456');

  await carrier.selectOption('FedEx');
  await account.fill('not valid!');
  await card.getByRole('button', { name: 'Save return shipping' }).click();
  await expect(card.locator('[data-field-error="shipping[carrier_account_number]"]')).toHaveText(
    'Carrier account number may contain letters, digits and hyphens',
  );
  await expect(card.getByTestId('form-error')).toBeVisible();
  await expect(carrier).toHaveValue('FedEx');
  await expect(account).toHaveValue('not valid!');
  // Nothing was stored.
  await page.goto(`/jobs/${id}`);
  await expect(carrier).toHaveValue('DHL');
  await expect(account).toHaveValue('DHL-123456');
});

test('a refused delivery package keeps the chosen carrier', async ({ page }, testInfo) => {
  await createExportJob(page, testInfo, 'pkg');
  const card = page.getByTestId('delivery-card');
  await card.locator('[name="pkg[carrier_name]"]').selectOption('FedEx');
  await card.locator('[name="pkg[tracking_number]"]').fill('   ');
  await card.getByTestId('save-delivery').click();
  await expect(card.locator('[data-field-error="pkg[tracking_number]"]')).toHaveText('Tracking number is required');
  await expect(card.locator('[name="pkg[carrier_name]"]')).toHaveValue('FedEx');
});

test('with only a return address, mark as shipped still needs the delivery package', async ({ page }, testInfo) => {
  const id = await createExportJob(page, testInfo, 'addr');
  const job = new JobPage(page);
  await new JobActionsPage(page).saveAddress(ADDRESS);
  if (hasJs(testInfo)) await expect(page.getByTestId('address-card').getByText('Saved.')).toBeVisible();
  await page.goto(`/jobs/${id}`);
  await expect(page.getByTestId('address-card').locator('[name="address[city]"]')).toHaveValue('Redmond');
  await expect(job.markShippedReason()).toHaveText(
    'Mark as shipped needs a delivery package tracking number and return shipping (carrier and carrier account number)');
  await expect(job.markShippedButton()).toHaveAttribute('aria-describedby', 'mark-shipped-reason');
});

test('delete works in Completed and is disabled with the reason in the other states', async ({ page }, testInfo) => {
  const jobs = new JobsPage(page, testInfo);
  const locked: Record<string, string> = {
    Shipping: 'demo-shipping',
    Received: 'demo-received',
    Transferring: 'demo-transferring',
    Packaging: 'demo-packaging',
    Closed: 'demo-closed',
    Faulted: 'demo-faulted',
  };
  for (const [state, name] of Object.entries(locked)) {
    await jobs.open(`?q=${name}`);
    await jobs.openJob(name);
    await new JobPage(page).expectCurrentState(state);
    await expect(page.getByTestId('delete-job'), state).toBeDisabled();
    await expect(page.getByTestId('delete-reason')).toHaveText(
      `A job can be deleted only while Creating or Completed; the job is ${state}`,
    );
  }

  // A job of its own brought to Completed (cancelled while Creating), then deleted.
  const id = await createExportJob(page, testInfo, 'done');
  await new JobActionsPage(page).cancel();
  await new JobPage(page).expectCurrentState('Completed');
  // A fresh load, so that no redraw for the cancellation's live update closes the section opened next.
  await page.goto(`/jobs/${id}`);
  await waitForLive(page, testInfo);
  const name = (await page.getByTestId('job-name').textContent())!.trim();
  await openDetails(page.getByTestId('delete-section'));
  await expect(page.getByTestId('delete-job')).toBeEnabled();
  await page.getByLabel('Yes, delete this job').check();
  await page.getByTestId('delete-job').click();
  await expect(page).toHaveURL(/\/jobs$/);
  await jobs.open(`?q=${name}`);
  await expect(page.getByTestId('jobs-empty')).toBeVisible();
});

test('search finds a job by name prefix and by tracking number', async ({ page }, testInfo) => {
  const jobs = new JobsPage(page, testInfo);
  await jobs.open('?q=demo-pack');
  await expect(jobs.row('demo-packaging')).toBeVisible();
  await expect(jobs.rows()).toHaveCount(1);
  await page.getByLabel('Search').fill('79461007');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(jobs.row('demo-transferring')).toBeVisible();
  await expect(jobs.rows()).toHaveCount(1);
});

test('the drive diagram shows one drive’s path, or where every drive is', async ({ page }, testInfo) => {
  const jobs = new JobsPage(page, testInfo);
  await jobs.open();
  await jobs.openJob('demo-transferring');
  const diagram = page.getByTestId('drive-diagram');
  await expect(diagram.getByTestId('node-Transferring')).toHaveAttribute('data-visit', 'current');
  await expect(diagram.getByTestId('node-Transferring')).toContainText('2 drives');
  await page.getByTestId('pick-drive').filter({ hasText: 'WD-DEMO-A1' }).click();
  await expect(page).toHaveURL(/drive=WD-DEMO-A1/);
  await expect(diagram.getByTestId('node-Transferring')).toHaveAttribute('data-visit', 'current');
  for (const visited of ['Specified', 'Received']) {
    await expect(diagram.getByTestId(`node-${visited}`)).toHaveAttribute('data-visit', 'visited');
  }
  await expect(diagram.getByTestId('node-Completed')).toHaveAttribute('data-visit', 'untouched');
  await expect(page.getByTestId('drive-diagram-text')).toContainText('Drive lifecycle of WD-DEMO-A1: Transferring');
});

test('the job page tells the customer about faults and deadlines', async ({ page }, testInfo) => {
  const jobs = new JobsPage(page, testInfo);
  await jobs.open();
  await jobs.openJob('demo-faulted');
  await expect(page.getByTestId('job-notices')).toBeVisible();
  await jobs.open();
  await jobs.openJob('demo-creating');
  await expect(page.getByTestId('job-notices')).toContainText(/20\d\d-\d\d-\d\d/);
});

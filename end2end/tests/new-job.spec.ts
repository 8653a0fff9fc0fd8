import { expect, Page, test } from '@playwright/test';
import { CUSTOMER, signIn } from '../pages/auth';
import { hasJs, waitForHydration } from '../pages/base';
import { JobPage } from '../pages/job-page';
import { NewJobPage, SAMPLE_HASH, SAMPLE_KEY, uniqueName } from '../pages/new-job-page';

test.beforeEach(async ({ page }, testInfo) => {
  await signIn(page, testInfo, CUSTOMER);
});

/** Every choice that is not typed text: the data center, log level, backup checkbox and return carrier. */
async function makeChoices(form: NewJobPage): Promise<void> {
  await form.chooseLocation('northeurope');
  await form.field('job[log_level]').selectOption('Verbose');
  await form.field('job[backup_drive_manifest]').check();
  await form.field('job[shipping][carrier_name]').selectOption('DHL');
}

async function expectChoicesKept(page: Page, form: NewJobPage): Promise<void> {
  await expect(form.field('job[location]')).toHaveValue('northeurope');
  await expect(page.getByTestId('ship-to')).toContainText('North Europe');
  await expect(page.getByTestId('carriers')).toHaveText('Carriers accepted here: FedEx, DHL');
  await expect(form.field('job[log_level]')).toHaveValue('Verbose');
  await expect(form.field('job[backup_drive_manifest]')).toBeChecked();
  await expect(form.field('job[shipping][carrier_name]')).toHaveValue('DHL');
  await expect(form.field('job[subscription]')).toHaveValue(/^[0-9a-f-]{36}$/);
}

test('a refused submit keeps every choice, not only the typed text', async ({ page }, testInfo) => {
  const form = new NewJobPage(page, testInfo);
  await form.open('import');
  await makeChoices(form);
  await form.fillBasics('Bad Name');
  await form.fillDrive(0, 'SER-KEEP');
  await form.submit();
  await expect(form.errorOf('job[name]')).toHaveText('Job name must not contain spaces');
  await expectChoicesKept(page, form);
  await expect(form.field('job[name]')).toHaveValue('Bad Name');
  await expect(form.field('job[drives][0][drive_id]')).toHaveValue('SER-KEEP');
  // Kept without JavaScript too: the form posts to its own page, so the key never travels in a URL.
  await expect(form.field('job[drives][0][bit_locker_key]')).toHaveValue(SAMPLE_KEY);
  await expect(page).toHaveURL(/\/jobs\/new(\?|$)/);
  expect(page.url()).not.toContain(SAMPLE_KEY);

  // Corrected, the same form creates the job with those choices.
  await form.field('job[name]').fill(uniqueName('choices', testInfo));
  await form.field('job[shipping][carrier_account_number]').fill('DHL-778899');
  await form.submit();
  await new JobPage(page).expectCurrentState('Creating');
  const props = page.locator('dl.props');
  await expect(props).toContainText('North Europe (northeurope)');
  await expect(props).toContainText('Verbose');
  await expect(props.locator('dt:has-text("Backup drive manifest") + dd')).toHaveText('Yes');
  await expect(page.getByTestId('return-shipping-card').locator('[name="shipping[carrier_name]"]')).toHaveValue('DHL');
});

test('drive rows are added and removed with everything typed kept', async ({ page }, testInfo) => {
  const form = new NewJobPage(page, testInfo);
  await form.open('import');
  const name = uniqueName('rows', testInfo);
  await form.fillBasics(name);
  await makeChoices(form);
  await form.fillReturnAddress();
  await form.fillDrive(0, 'ROW0');
  await form.addDrive();
  await expect(form.field('job[drives][0][drive_id]')).toHaveValue('ROW0');
  await expect(form.field('job[drives][0][bit_locker_key]')).toHaveValue(SAMPLE_KEY);
  await expect(form.field('job[drives][1][manifest_file]')).toHaveValue('\\DriveManifest.xml');
  await form.fillDrive(1, 'ROW1');
  await form.addDrive();
  await form.field('job[drives][2][drive_id]').fill('ROW2-DROPPED');
  await form.removeDrive();
  await expect(form.rows()).toHaveCount(2);
  await expect(form.field('job[drives][2][drive_id]')).toHaveCount(0);
  await expect(form.field('job[name]')).toHaveValue(name);
  await expect(form.field('job[address][city]')).toHaveValue('Redmond');
  await expect(form.field('job[drives][1][drive_id]')).toHaveValue('ROW1');
  await expect(form.field('job[drives][1][manifest_hash]')).toHaveValue(SAMPLE_HASH);
  await expectChoicesKept(page, form);
  if (!hasJs(testInfo)) {
    // Without JavaScript every row change was a post of the whole form to its own page.
    await expect(page).toHaveURL(/\/jobs\/new$/);
  }
  await form.field('job[shipping][carrier_account_number]').fill('DHL-1');
  await form.submit();
  await new JobPage(page).expectCurrentState('Creating');
  await expect(page.getByTestId('drive')).toHaveCount(2);
  await expect(page.getByTestId('job-name')).toHaveText(name);
});

test('the chosen data center’s address and carriers are shown', async ({ page }, testInfo) => {
  const form = new NewJobPage(page, testInfo);
  await form.open('export');
  await expect(page.getByTestId('ship-to')).toHaveAttribute('data-location', 'westus');
  await expect(page.getByTestId('carriers')).toHaveText('Carriers accepted here: FedEx');
  await form.field('job[name]').fill('kept-while-looking');
  if (hasJs(testInfo)) {
    // The address follows the choice at once; the button that asks for it is not offered.
    await expect(page.getByTestId('show-address')).toBeHidden();
  }
  await form.chooseLocation('australiaeast');
  await expect(page.getByTestId('ship-to')).toHaveAttribute('data-location', 'australiaeast');
  await expect(page.getByTestId('ship-to')).toContainText('Ship your drives to Australia East');
  await expect(page.getByTestId('carriers')).toHaveText('Carriers accepted here: DHL');
  await expect(form.field('job[name]')).toHaveValue('kept-while-looking');
  await expect(page.getByTestId('type-export')).toHaveClass(/active/);
});

test('ten drives are the limit the form explains, and an eleventh is refused by the server', async ({ page }, testInfo) => {
  const form = new NewJobPage(page, testInfo);
  await page.goto('/jobs/new?type=import&drives=10');
  await waitForHydration(page, testInfo);
  await expect(form.rows()).toHaveCount(10);
  await expect(page.getByTestId('add-drive')).toBeDisabled();
  await expect(page.getByTestId('drive-limit')).toHaveText('A job can have at most 10 drives; put the others in a second job');
  await expect(page.getByTestId('add-drive')).toHaveAttribute('aria-describedby', 'drive-limit');
  await form.fillBasics(uniqueName('eleven', testInfo));
  for (let i = 0; i < 10; i++) await form.fillDrive(i, `ELEVEN-${i}`);
  // The browser is bypassed: an eleventh drive is added to the body the form sends.
  const eleventh = new URLSearchParams({
    'job[drives][10][drive_id]': 'ELEVEN-10',
    'job[drives][10][bit_locker_key]': SAMPLE_KEY,
    'job[drives][10][manifest_file]': '\\DriveManifest.xml',
    'job[drives][10][manifest_hash]': SAMPLE_HASH,
  }).toString();
  await page.route(/\/(api\/create_job|jobs\/new)$/, async (route) => {
    const request = route.request();
    if (request.method() !== 'POST') return route.continue();
    await route.continue({ postData: `${request.postData()}&${eleventh}` });
  });
  await form.submit();
  await expect(form.errorOf('properties.driveList')).toHaveText('A job can have at most 10 drives (got 11)');
  await expect(page.getByTestId('form-error')).toBeVisible();
  await expect(page).toHaveURL(/\/jobs\/new/);
  for (let i = 0; i < 10; i++) {
    await expect(form.field(`job[drives][${i}][drive_id]`)).toHaveValue(`ELEVEN-${i}`);
  }
  await expect(form.field('job[drives][9][bit_locker_key]')).toHaveValue(SAMPLE_KEY);
  // Only a crafted post has an eleventh row: the page answering it draws the form's ten, never more.
  await expect(form.rows()).toHaveCount(10);
  await expect(page.getByTestId('add-drive')).toBeDisabled();
});

test('Enter in a field creates the job, not a row or address change', async ({ page }, testInfo) => {
  const form = new NewJobPage(page, testInfo);
  await form.open('export');
  const name = uniqueName('enter', testInfo);
  await form.fillBasics(name);
  await form.field('job[blob_paths]').fill('/photos/a.jpg');
  await form.field('job[name]').press('Enter');
  await expect(page.getByTestId('job-name')).toHaveText(name);
  await new JobPage(page).expectCurrentState('Creating');
});

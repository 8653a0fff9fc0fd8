import { expect, Page, test, TestInfo } from '@playwright/test';
import { DemoApi, DEMO_RESOURCE_GROUP, DEMO_SUBSCRIPTION, DEMO_TOKEN } from '../pages/api';
import { CUSTOMER, signIn } from '../pages/auth';
import { hasJs, waitForHydration } from '../pages/base';
import { JobPage } from '../pages/job-page';
import { NewJobPage, uniqueName } from '../pages/new-job-page';

// Issue 17: the whole flow as a first-time customer meets it.

test.beforeEach(async ({ page }, testInfo) => {
  await signIn(page, testInfo, CUSTOMER);
});

/** A fresh import job with two drives and nothing about shipping; its id. */
async function createImportJob(page: Page, testInfo: TestInfo, prefix: string): Promise<number> {
  const form = new NewJobPage(page, testInfo);
  await form.open('import');
  await form.addDrives(2);
  const name = uniqueName(prefix, testInfo);
  await form.fillBasics(name);
  for (const i of [0, 1]) await form.fillDrive(i, `${prefix.toUpperCase()}${i}-${Date.now() % 100000}-${testInfo.project.name}`);
  await form.submit();
  await expect(page.getByTestId('job-name')).toHaveText(name);
  return Number(/\/jobs\/(\d+)/.exec(page.url())![1]);
}

test('mark as shipped on a job missing three things lists all three and completes in one submit', async ({ page }, testInfo) => {
  await createImportJob(page, testInfo, 'guided');
  const job = new JobPage(page);
  await waitForHydration(page, testInfo);
  await job.markShippedButton().click();
  const form = job.shipForm();
  await expect(form).toBeVisible();
  if (hasJs(testInfo)) {
    await expect(page.getByTestId('ship-dialog')).toHaveAttribute('open', '');
  } else {
    await expect(page).toHaveURL(/\/jobs\/\d+\/ship$/);
  }
  const needs = form.getByTestId('ship-needs').locator('li');
  await expect(needs).toHaveCount(3);
  await expect(needs.nth(0)).toContainText('delivery package tracking number');
  await expect(needs.nth(1)).toContainText('return address');
  await expect(needs.nth(2)).toContainText('return shipping');
  // Each missing requirement links to the field that fixes it.
  await expect(needs.nth(1).getByRole('link')).toHaveAttribute('href', '#field-ship-address-recipient_name');

  await form.locator('[name="ship[pkg][carrier_name]"]').selectOption('FedEx');
  await form.locator('[name="ship[pkg][tracking_number]"]').fill(`GUIDED${Date.now()}`);
  await form.locator('[name="ship[pkg][drive_count]"]').fill('2');
  const address: Record<string, string> = {
    recipient_name: 'Ada Lovelace', street_address1: '1 Analytical Way', city: 'Redmond', postal_code: '98052',
    country_or_region: 'USA', phone: '+1 425 555 0100', email: 'ada@example.com',
  };
  for (const [k, v] of Object.entries(address)) await form.locator(`[name="ship[address][${k}]"]`).fill(v);
  await form.locator('[name="ship[shipping][carrier_name]"]').selectOption('FedEx');
  await form.locator('[name="ship[shipping][carrier_account_number]"]').fill('123456789');
  await form.getByTestId('ship-submit').click();

  await job.expectCurrentState('Shipping');
  await expect(page).toHaveURL(/\/jobs\/\d+$/);
  await expect(page.getByTestId('address-card').locator('[name="address[city]"]')).toHaveValue('Redmond');
  await expect(page.getByTestId('return-shipping-card').locator('[name="shipping[carrier_account_number]"]')).toHaveValue('123456789');
});

test('the guided form refuses every problem at once and keeps what was typed', async ({ page }, testInfo) => {
  await createImportJob(page, testInfo, 'refused');
  const job = new JobPage(page);
  await waitForHydration(page, testInfo);
  await job.markShippedButton().click();
  const form = job.shipForm();
  await form.locator('[name="ship[pkg][carrier_name]"]').selectOption('FedEx');
  await form.locator('[name="ship[pkg][tracking_number]"]').fill('KEPT123');
  // Two implausible values the browser cannot know about: three drives in the package of a job that lists
  // two, and a ship date years ahead.
  await form.locator('[name="ship[pkg][drive_count]"]').fill('3');
  await form.locator('[name="ship[pkg][ship_date]"]').fill('2099-01-01');
  const address: Record<string, string> = {
    recipient_name: 'Ada Lovelace', street_address1: '1 Analytical Way', city: 'Redmond', postal_code: '98052',
    country_or_region: 'USA', phone: '+1 425 555 0100', email: 'ada@example.com',
  };
  for (const [k, v] of Object.entries(address)) await form.locator(`[name="ship[address][${k}]"]`).fill(v);
  await form.locator('[name="ship[shipping][carrier_name]"]').selectOption('DHL');
  await form.locator('[name="ship[shipping][carrier_account_number]"]').fill('DHL-42');
  await form.getByTestId('ship-submit').click();

  await expect(form.locator('[data-field-error="ship[pkg][drive_count]"]')).toContainText('between 1 and 2');
  await expect(form.locator('[data-field-error="ship[pkg][ship_date]"]')).toContainText('at most 2 days ahead');
  await expect(form.locator('[name="ship[pkg][tracking_number]"]')).toHaveValue('KEPT123');
  await expect(form.locator('[name="ship[address][city]"]')).toHaveValue('Redmond');
  await expect(form.locator('[name="ship[shipping][carrier_name]"]')).toHaveValue('DHL');
  // Nothing was saved: the job is still Creating, and the typed values never went into the URL.
  expect(page.url()).not.toContain('KEPT123');
  await page.goto(page.url().replace(/\/ship$/, ''));
  await job.expectCurrentState('Creating');
});

test('a delivery drive count above the job\'s drives is refused in the UI and the API', async ({ page, request, baseURL }, testInfo) => {
  await createImportJob(page, testInfo, 'counted');
  const card = page.getByTestId('delivery-card');
  await waitForHydration(page, testInfo);
  await card.locator('[name="pkg[carrier_name]"]').selectOption('FedEx');
  await card.locator('[name="pkg[tracking_number]"]').fill('COUNT1');
  await card.locator('[name="pkg[drive_count]"]').fill('3');
  await card.getByTestId('save-delivery').click();
  await expect(card.locator('[data-field-error="pkg[drive_count]"]')).toContainText('between 1 and 2');
  await expect(card.locator('[name="pkg[drive_count]"]')).toHaveValue('3');

  // The API: same rule, ARM's target.
  const api = new DemoApi(request, baseURL);
  const name = uniqueName('apicount', testInfo);
  await api.createImportJob(name);
  const url = `/subscriptions/${DEMO_SUBSCRIPTION}/resourceGroups/${DEMO_RESOURCE_GROUP}/providers/Microsoft.ImportExport/jobs/${name}?api-version=2021-01-01`;
  const res = await request.patch(url, {
    headers: { Authorization: `Bearer ${DEMO_TOKEN}` },
    data: { properties: { deliveryPackage: { carrierName: 'FedEx', trackingNumber: 'API1', driveCount: 2 } } },
  });
  expect(res.status()).toBe(400);
  const body = await res.json();
  expect(JSON.stringify(body)).toContain('properties.deliveryPackage.driveCount');
  // A ship date more than two days ahead is refused too.
  const late = await request.patch(url, {
    headers: { Authorization: `Bearer ${DEMO_TOKEN}` },
    data: { properties: { deliveryPackage: { carrierName: 'FedEx', trackingNumber: 'API1', driveCount: 1, shipDate: '2099-01-01' } } },
  });
  expect(late.status()).toBe(400);
  expect(JSON.stringify(await late.json())).toContain('properties.deliveryPackage.shipDate');
});

test('errors name fields by their labels, link to each one and never widen the page', async ({ page }, testInfo) => {
  await page.setViewportSize({ width: 360, height: 800 });
  const form = new NewJobPage(page, testInfo);
  await form.open('import');
  await form.addDrives(2);
  await form.field('job[name]').fill(uniqueName('labels', testInfo));
  // A long value without spaces: its error must wrap inside the page.
  await form.field('job[storage_account_id]').fill(`/subscriptions/${'x'.repeat(180)}`);
  await form.fillDrive(0, `LBL0-${Date.now() % 100000}-${testInfo.project.name}`);
  await form.fillDrive(1, `LBL1-${Date.now() % 100000}-${testInfo.project.name}`);
  await form.field('job[drives][1][bit_locker_key]').fill('1234');
  await form.fillReturnAddress();
  await form.submit();

  const summary = page.getByTestId('form-error');
  await expect(summary).toBeVisible();
  await expect(summary).toContainText('Drive 2 — BitLocker key: must be 48 digits');
  await expect(summary).toContainText('Storage account id must look like');
  // No API path anywhere in what the customer reads.
  const text = await summary.innerText();
  expect(text).not.toMatch(/driveList|bitLockerKey|properties\.|storageAccountId/);
  await expect(form.errorOf('job[drives][1][bit_locker_key]')).toContainText('BitLocker key must be 48 digits');
  // Each problem links to its field.
  const links = summary.getByTestId('error-link');
  await expect(links).toHaveCount(2);
  const keyLink = links.filter({ hasText: 'Drive 2 — BitLocker key' });
  const href = await keyLink.getAttribute('href');
  expect(href).toMatch(/^#problem-/);
  await expect(page.locator(href!).locator('[name="job[drives][1][bit_locker_key]"]')).toHaveCount(1);
  // Focus is on the first invalid field (JavaScript on or off).
  const first = await links.first().getAttribute('href');
  await expect(page.locator(first!).locator('input:not([type=hidden]), select, textarea').first()).toBeFocused();
  // The page is as wide as the screen, long error included.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);

  if (hasJs(testInfo)) {
    // Focus went to the first invalid field; a summary link focuses its field.
    const first = await links.first().getAttribute('href');
    await expect(page.locator(`${first} input`).first()).toBeFocused();
    await keyLink.click();
    await expect(form.field('job[drives][1][bit_locker_key]')).toBeFocused();
  } else {
    await keyLink.click();
    await expect(page).toHaveURL(new RegExp(`${href}$`));
    await expect(page.locator(href!)).toBeInViewport();
  }
});

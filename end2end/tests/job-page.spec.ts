import { expect, Page, test as base, TestInfo } from '@playwright/test';
import { DemoApi } from '../pages/api';
import { CUSTOMER, signIn, STAFF } from '../pages/auth';
import { hasJs, waitForHydration, waitForLive } from '../pages/base';
import { ConsolePage } from '../pages/console';
import { JobsPage } from '../pages/jobs-page';
import { uniqueName } from '../pages/new-job-page';
import { OwnServer } from '../pages/server';

// These tests create many jobs (a list of more than one page among them), so they run on a server of their own
// (demo data, development clock): the shared server's jobs list stays as the other specs expect it.
const test = base.extend<object, { ownServer: OwnServer }>({
  ownServer: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const server = await OwnServer.start(['--dev-clock']);
      await use(server);
      await server.stop();
    },
    { scope: 'worker' },
  ],
  baseURL: async ({ ownServer }, use) => {
    await use(ownServer.url);
  },
});

test.beforeEach(async ({ page }, testInfo) => {
  await signIn(page, testInfo, CUSTOMER);
});

/** Opens the customer's job page of `name` through the jobs list; returns its id. */
async function openJob(page: Page, testInfo: TestInfo, name: string): Promise<number> {
  const jobs = new JobsPage(page, testInfo);
  await jobs.open(`?q=${name}`);
  await jobs.openJob(name);
  return Number(/\/jobs\/(\d+)/.exec(page.url())![1]);
}

test('what the customer is typing survives a live update of the job, and the input keeps the focus', async ({ page }, testInfo) => {
  test.skip(!hasJs(testInfo), 'live updates need JavaScript');
  const api = new DemoApi(page.request);
  const name = uniqueName('typing', testInfo);
  await api.createImportJob(name);
  await openJob(page, testInfo, name);
  await waitForLive(page, testInfo);

  const delivery = page.getByTestId('delivery-card');
  const address = page.getByTestId('address-card');
  await delivery.locator('[name="pkg[carrier_name]"]').selectOption('FedEx');
  await delivery.locator('[name="pkg[tracking_number]"]').pressSequentially('TYPED-123');
  await address.locator('[name="address[recipient_name]"]').pressSequentially('Typed Person');
  const city = address.locator('[name="address[city]"]');
  await city.pressSequentially('Redmo');
  await expect(city).toBeFocused();

  // A program changes the job meanwhile: the page redraws (the tags appear) without a reload.
  let reloads = 0;
  page.on('load', () => reloads++);
  await api.update(name, { tags: { changed: 'by-api' } });
  await expect(page.getByTestId('tags')).toContainText('changed: by-api');

  await expect(delivery.locator('[name="pkg[tracking_number]"]')).toHaveValue('TYPED-123');
  await expect(delivery.locator('[name="pkg[carrier_name]"]')).toHaveValue('FedEx');
  await expect(address.locator('[name="address[recipient_name]"]')).toHaveValue('Typed Person');
  await expect(city).toHaveValue('Redmo');
  await expect(city).toBeFocused();
  expect(await city.evaluate((el) => (el as HTMLInputElement).selectionStart)).toBe(5);
  // Typing goes on where it stopped.
  await page.keyboard.type('nd');
  await expect(city).toHaveValue('Redmond');
  expect(reloads).toBe(0);

  // Once saved, the form shows what is stored: a later change by the API wins over the old draft.
  await delivery.getByTestId('save-delivery').click();
  await expect(delivery.getByText('Saved.')).toBeVisible();
  await expect(page.getByTestId('delivery-current')).toContainText('TYPED-123');
  await api.update(name, { properties: { deliveryPackage: { carrierName: 'FedEx', trackingNumber: 'API-456', driveCount: 1 } } });
  await expect(page.getByTestId('delivery-current')).toContainText('API-456');
  await expect(delivery.locator('[name="pkg[tracking_number]"]')).toHaveValue('API-456');
  // The unsaved address is still there.
  await expect(city).toHaveValue('Redmond');
});

test('BitLocker keys are read once per "show keys", not again at each live update', async ({ page }, testInfo) => {
  const api = new DemoApi(page.request);
  const name = uniqueName('keys', testInfo);
  await api.createImportJob(name);
  const id = await openJob(page, testInfo, name);
  let reads = 0;
  page.on('request', (r) => {
    if (r.url().includes('/api/bitlocker_keys')) reads++;
  });
  await page.getByTestId('show-keys').click();
  await expect(page.getByTestId('keys')).toContainText('123453-234564');
  expect(reads).toBe(hasJs(testInfo) ? 1 : 0);
  if (!hasJs(testInfo)) return;
  await waitForLive(page, testInfo);
  for (const value of ['one', 'two']) {
    await api.update(name, { tags: { tick: value } });
    await expect(page.getByTestId('tags')).toContainText(`tick: ${value}`);
  }
  await expect(page.getByTestId('keys')).toBeVisible();
  expect(reads).toBe(1);
  // Hiding and showing again is a new, explicit reading.
  await page.getByTestId('hide-keys').click();
  await expect(page.getByTestId('keys')).toHaveCount(0);
  await page.getByTestId('show-keys').click();
  await expect(page.getByTestId('keys')).toBeVisible();
  expect(reads).toBe(2);
  await expect(page).toHaveURL(new RegExp(`/jobs/${id}\\?keys=show`));
});

test('a change made after the page was rendered but before its live stream opened is shown', async ({ page }, testInfo) => {
  test.skip(!hasJs(testInfo), 'live updates need JavaScript');
  const api = new DemoApi(page.request);
  const name = uniqueName('gap', testInfo);
  await api.createImportJob(name);
  const id = await openJob(page, testInfo, name);
  // Hold the stream of the next page load until the job has changed.
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => (release = r));
  await page.route(/\/events\?job=/, async (route) => {
    await gate;
    await route.continue();
  });
  await page.goto(`/jobs/${id}`);
  await waitForHydration(page, testInfo);
  await expect(page.getByTestId('tags')).toHaveText('—');
  await api.update(name, { tags: { missed: 'no' } });
  release();
  await waitForLive(page, testInfo);
  await expect(page.getByTestId('tags')).toContainText('missed: no');
});

test('properties show tags, the encryption key and, for a faulted job, the fault', async ({ page }, testInfo) => {
  const api = new DemoApi(page.request);
  const name = uniqueName('props', testInfo);
  await api.createImportJob(name, 'westus', {
    encryptionKey: {
      kekType: 'CustomerManaged',
      kekUrl: 'https://vault01.vault.azure.net/keys/kek/1',
      kekVaultResourceID: '/subscriptions/6f1d3c2a-8b4e-4c5a-9d7e-1a2b3c4d5e6f/resourceGroups/demo-rg/providers/Microsoft.KeyVault/vaults/vault01',
    },
  });
  await api.update(name, { tags: { team: 'e2e', cost: 'blue' } });
  await openJob(page, testInfo, name);
  await expect(page.getByTestId('tags')).toContainText('team: e2e');
  await expect(page.getByTestId('tags')).toContainText('cost: blue');
  await expect(page.getByTestId('encryption')).toContainText('Customer-managed key');
  await expect(page.getByTestId('encryption')).toContainText('https://vault01.vault.azure.net/keys/kek/1');
  await expect(page.getByTestId('fault-reason')).toHaveCount(0);

  await openJob(page, testInfo, 'demo-faulted');
  await expect(page.getByTestId('fault-reason')).toHaveText('Package arrived damaged; contacting the customer');
  await expect(page.getByTestId('encryption')).toHaveText('Microsoft-managed key');
});

test('drives show copy status, progress, bytes and log links; a shipped-back job its return package', async ({ page }, testInfo) => {
  await openJob(page, testInfo, 'demo-transferring');
  const a = page.locator('[data-testid="drive"][data-drive="WD-DEMO-A1"]');
  await expect(a.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '40');
  await expect(a).toContainText('InProgress');
  await expect(a).toContainText('1.6 TB');
  await expect(page.locator('[data-testid="drive"][data-drive="WD-DEMO-B2"]')).toContainText('600.0 GB');

  await openJob(page, testInfo, 'demo-packaging');
  const b = page.locator('[data-testid="drive"][data-drive="WD-DEMO-B2"]');
  await expect(b.getByRole('link', { name: 'Error log' })).toHaveAttribute('href', /WD-DEMO-B2_error\.log$/);
  await expect(b.getByRole('link', { name: 'Verbose log' })).toHaveAttribute('href', /WD-DEMO-B2_verbose\.log$/);
  await expect(page.locator('[data-testid="drive"][data-drive="WD-DEMO-A1"]').getByRole('link', { name: 'Error log' })).toHaveCount(0);
  await expect(page.getByTestId('return-package')).toHaveCount(0);
  // The australiaeast data center takes DHL: the delivery package links to DHL's tracking.
  await expect(page.getByTestId('delivery-current').getByTestId('tracking-link')).toHaveAttribute('href', /dhl\.com\/.*AWB=/);

  await openJob(page, testInfo, 'demo-completed');
  const back = page.getByTestId('return-package');
  await expect(back).toContainText('Your drives are on their way back');
  await expect(back).toContainText('2 drive(s)');
  await expect(back).toContainText('2026-11-20');
  await expect(back.getByTestId('tracking-link')).toHaveAttribute('href', 'https://www.fedex.com/fedextrack/?trknbr=RET7788990011');
});

test('tracking numbers link to UPS, DHL and USPS', async ({ page, browser, ownServer }, testInfo) => {
  const api = new DemoApi(page.request);
  const ups = uniqueName('ups', testInfo);
  await api.createImportJob(ups, 'eastus', { deliveryPackage: { carrierName: 'UPS', trackingNumber: '1Z999AA10123456784', driveCount: 1 } });
  await openJob(page, testInfo, ups);
  await expect(page.getByTestId('delivery-current').getByTestId('tracking-link')).toHaveAttribute(
    'href',
    'https://www.ups.com/track?tracknum=1Z999AA10123456784',
  );
  const dhl = uniqueName('dhl', testInfo);
  await api.createImportJob(dhl, 'northeurope', { deliveryPackage: { carrierName: 'DHL', trackingNumber: '1234567890', driveCount: 1 } });
  await openJob(page, testInfo, dhl);
  await expect(page.getByTestId('delivery-current').getByTestId('tracking-link')).toHaveAttribute(
    'href',
    'https://www.dhl.com/en/express/tracking.html?AWB=1234567890',
  );

  // No data center takes USPS deliveries, but the drives can come back by USPS.
  const staffContext = await browser.newContext({ baseURL: ownServer.url, javaScriptEnabled: hasJs(testInfo) });
  const staffPage = await staffContext.newPage();
  await signIn(staffPage, testInfo, STAFF);
  const staff = new ConsolePage(staffPage, testInfo);
  const { id } = await staff.createTestJob('shipping-cancelled');
  await (await staff.openJobOp('package-intake')).getByRole('button', { name: 'Record package intake' }).click();
  await staff.expectState('Received');
  await (await staff.openJobOp('package-job')).getByRole('button', { name: 'Move to packaging' }).click();
  await staff.expectState('Packaging');
  const ship = await staff.openJobOp('ship-back');
  await ship.getByLabel('Carrier').selectOption('USPS');
  await ship.getByLabel('Tracking number').fill('9400-1000-0000-0000-0000-00');
  await ship.getByLabel(/this cannot be undone/).check();
  await ship.getByRole('button', { name: 'Ship back' }).click();
  await staff.expectState('Completed');
  await staffContext.close();

  await page.goto(`/jobs/${id}`);
  await expect(page.getByTestId('return-package').getByTestId('tracking-link')).toHaveAttribute(
    'href',
    'https://tools.usps.com/go/TrackConfirmAction?tLabels=9400100000000000000000',
  );
});

test('the diagram has a text alternative listing the path taken', async ({ page }, testInfo) => {
  await openJob(page, testInfo, 'demo-completed');
  const steps = page.getByTestId('job-path').locator('li');
  await expect(steps).toHaveCount(6);
  const texts = await steps.allTextContents();
  expect(texts.map((t) => t.split(' at ')[0])).toEqual(['Creating', 'Shipping', 'Received', 'Transferring', 'Packaging', 'Completed']);
  for (const t of texts) expect(t).toMatch(/ at \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
  await expect(page.getByTestId('job-diagram')).toHaveAttribute('aria-labelledby', /.+/);
});

test('what happens next says who makes each step happen', async ({ page }, testInfo) => {
  const next = (to: string) => page.locator(`[data-testid="next-step"][data-to="${to}"]`);
  await openJob(page, testInfo, 'demo-creating');
  await expect(next('Shipping')).toContainText('Mark as shipped → Shipping');
  await expect(next('Shipping').getByTestId('next-step-by')).toHaveText('— by you');
  // Not possible yet, and why.
  await expect(next('Shipping')).toContainText('not yet: Mark as shipped needs a delivery package tracking number');
  await expect(next('Completed')).toHaveAttribute('data-trigger', 'customer');

  await openJob(page, testInfo, 'demo-shipping');
  await expect(next('Received').getByTestId('next-step-by')).toHaveText('— by the data center');
  await expect(next('Closed').getByTestId('next-step-by')).toHaveText('— automatically, after a deadline');
  await expect(next('Faulted')).toHaveCount(0);

  await openJob(page, testInfo, 'demo-transferring');
  await expect(next('Packaging')).toContainText('All drives finished → Packaging');
  await expect(next('Packaging').getByTestId('next-step-by')).toHaveText('— automatically');

  await openJob(page, testInfo, 'demo-faulted');
  await expect(next('Received')).toContainText('→ Received');
  await expect(next('Received').getByTestId('next-step-by')).toHaveText('— by the data center');

  await openJob(page, testInfo, 'demo-completed');
  await expect(page.getByTestId('next-steps')).toContainText('Nothing: this job has reached the end of its life.');
});

test.describe('on a 360 px phone', () => {
  test.use({ viewport: { width: 360, height: 740 } });

  test('the diagrams fit the screen and a state focused by keyboard shows its tooltip', async ({ page }, testInfo) => {
    await openJob(page, testInfo, 'demo-transferring');
    const compact = page.getByTestId('job-diagram-compact');
    await expect(compact).toBeVisible();
    await expect(page.getByTestId('job-diagram')).toBeHidden();
    await expect(page.getByTestId('drive-diagram-compact')).toBeVisible();
    const box = (await compact.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(360);
    // Labels stay readable: the compact diagram is drawn at least at 80 % of its size.
    const scale = await compact.evaluate((svg) => svg.getBoundingClientRect().width / (svg as SVGSVGElement).viewBox.baseVal.width);
    expect(scale).toBeGreaterThan(0.8);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);

    // Tab from the top of the page to the first state of the job diagram.
    await page.locator('h1').click();
    let focused = '';
    for (let i = 0; i < 80 && !focused.startsWith('state-'); i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? '');
    }
    expect(focused).toBe('state-Creating');
    const tip = page.locator('.diagram-box.compact').first().getByTestId('tip-Creating');
    await expect(tip).toBeVisible();
    await expect(tip).toContainText('Creating');
    // The customer's page words the states for the customer.
    await expect(tip).toContainText('Your job is set up. Send your drives, then mark the package shipped.');
    await expect(tip).toContainText(/Reached \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    const tipBox = (await tip.boundingBox())!;
    expect(tipBox.x).toBeGreaterThanOrEqual(0);
    expect(tipBox.x + tipBox.width).toBeLessThanOrEqual(360);
    // The next Tab moves to the next state and its tooltip.
    await page.keyboard.press('Tab');
    await expect(tip).toBeHidden();
    const current = page.locator('.diagram-box.compact').first().getByTestId('tip-Shipping');
    await expect(current).toBeVisible();
    await expect(page.locator('.diagram-box.compact').first().getByTestId('tip-Transferring')).toBeHidden();
  });
});

test('on a desktop, hovering a state shows its tooltip', async ({ page }, testInfo) => {
  await openJob(page, testInfo, 'demo-transferring');
  await expect(page.getByTestId('job-diagram-compact')).toBeHidden();
  const wide = page.locator('.diagram-box.wide').first();
  await wide.getByTestId('state-Transferring').hover();
  const tip = wide.getByTestId('tip-Transferring');
  await expect(tip).toBeVisible();
  await expect(tip).toContainText('The data center is copying data on your drives.');
  await expect(tip).toContainText(/Here now, reached \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
});

test('the jobs list filters by type, shows progress and relative times, and pages on', async ({ page }, testInfo) => {
  const jobs = new JobsPage(page, testInfo);
  await jobs.open();
  await page.getByLabel('Type').selectOption('Export');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/job_type=Export/);
  await expect(jobs.row('demo-export-shipping')).toBeVisible();
  await expect(jobs.row('demo-transferring')).toHaveCount(0);
  for (const row of await jobs.rows().all()) {
    await expect(row).toContainText('Export');
  }

  await jobs.open('?q=demo-transferring');
  const row = jobs.row('demo-transferring');
  await expect(row.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '27');
  await expect(row).toContainText(/ago|just now/);

  // More jobs than fit one page: a link to the next page, which holds the rest.
  const api = new DemoApi(page.request);
  const prefix = uniqueName('pg', testInfo);
  for (let i = 0; i < 26; i++) {
    await api.createImportJob(`${prefix}-${String(i).padStart(2, '0')}`);
  }
  await jobs.open(`?q=${prefix}`);
  await expect(jobs.rows()).toHaveCount(25);
  await page.getByRole('link', { name: /next/i }).click();
  await expect(page).toHaveURL(/cursor=/);
  await expect(jobs.rows()).toHaveCount(1);
  // Newest first: the page after holds the first one created.
  await expect(jobs.row(`${prefix}-00`)).toBeVisible();
});

test('the page leads with what matters now, and the retention date is a small line', async ({ page }, testInfo) => {
  const cards = () => page.locator('main section.card h2').allTextContents();
  // Before shipping: where to send what.
  await openJob(page, testInfo, 'demo-creating');
  expect((await cards())[0]).toBe('Ship your drives to');
  // At the data center: progress.
  await openJob(page, testInfo, 'demo-transferring');
  expect((await cards()).slice(0, 3)).toEqual(['Job lifecycle', 'Drive lifecycle', 'Drives']);
  // Shipped back: the return package with its tracking link first.
  await openJob(page, testInfo, 'demo-completed');
  expect((await cards())[0]).toBe('Your drives are on their way back');
  await expect(page.locator('main section.card').first().getByTestId('tracking-link')).toBeVisible();
  const retention = page.locator('[data-notice="retention"]');
  await expect(retention).toContainText('removed automatically');
  await expect(retention).toHaveClass(/notice-line/);
  await expect(retention.locator('.notice-title')).toHaveCount(0);
});

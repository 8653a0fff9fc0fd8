import { APIRequestContext, expect, test } from '@playwright/test';
import { readFileSync } from 'fs';
import { resolve } from 'path';
import { CUSTOMER, signIn, STAFF } from '../pages/auth';
import { hasJs, waitForHydration, waitForLive } from '../pages/base';
import { ConsolePage, customerContext } from '../pages/console';
import { JobPage } from '../pages/job-page';
import { JobsPage } from '../pages/jobs-page';

// The REST API as a program uses it, next to the pages a person has open: an API change moves the open job
// page live and is on the timeline under the API client's name; what the data center reports in the console
// reaches the API.

/** The demo customer's well-known API token and subscription, as src/server/demo.rs defines them. */
function demoConstant(name: string): string {
  const source = readFileSync(resolve(__dirname, '../../src/server/demo.rs'), 'utf8');
  const match = new RegExp(`pub const ${name}: &str =\\s*"([^"]+)";`).exec(source);
  if (!match) throw new Error(`no ${name} in src/server/demo.rs`);
  return match[1];
}
const TOKEN = demoConstant('DEMO_API_TOKEN');
const SUBSCRIPTION = demoConstant('DEMO_SUBSCRIPTION');
const GROUP = 'e2e-api';
const VERSION = 'api-version=2021-01-01';
const AUTH = { Authorization: `Bearer ${TOKEN}` };

function jobUrl(name: string): string {
  return `/subscriptions/${SUBSCRIPTION}/resourceGroups/${GROUP}/providers/Microsoft.ImportExport/jobs/${name}?${VERSION}`;
}

/** A job name of this test run: the js and nojs projects share one server. */
function runName(prefix: string, project: string): string {
  return `${prefix}-${project}-${Date.now().toString(36)}`.toLowerCase();
}

async function createReadyImport(request: APIRequestContext, name: string): Promise<void> {
  const storage = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${GROUP}/providers/Microsoft.Storage/storageAccounts/e2estore01`;
  const res = await request.put(jobUrl(name), {
    headers: AUTH,
    data: {
      location: 'westus',
      properties: {
        storageAccountId: storage,
        jobType: 'Import',
        driveList: [
          {
            driveId: 'API-LIVE-1',
            bitLockerKey: '123453-234564-345675-456786-567897-678920-123442-000000',
            manifestFile: '\\DriveManifest.xml',
            manifestHash: '109B21108597EF36D5785F08303F3638',
          },
        ],
        returnAddress: {
          recipientName: 'Ada Lovelace', streetAddress1: '1 Analytical Way', city: 'Redmond',
          postalCode: '98052', countryOrRegion: 'USA', phone: '+1 425 555 0100', email: 'ada@example.com',
        },
        returnShipping: { carrierName: 'FedEx', carrierAccountNumber: '123456789' },
        deliveryPackage: { carrierName: 'FedEx', trackingNumber: '123456789012', driveCount: 1 },
      },
    },
  });
  expect(res.status(), await res.text()).toBe(201);
}

test('a PATCH through the REST API moves the open job page and shows the API client on the timeline', async ({ page, request, browser }, testInfo) => {
  const name = runName('api-live', testInfo.project.name);
  await createReadyImport(request, name);

  await signIn(page, testInfo, CUSTOMER);
  const jobs = new JobsPage(page, testInfo);
  await jobs.open();
  await jobs.openJob(name);
  await waitForLive(page, testInfo);
  const job = new JobPage(page);
  await job.expectCurrentState('Creating');
  let reloads = 0;
  page.on('load', () => reloads++);

  const res = await request.patch(jobUrl(name), {
    headers: AUTH,
    data: { properties: { state: 'Shipping', cancelRequested: false, backupDriveManifest: false } },
  });
  expect(res.status(), await res.text()).toBe(200);
  expect((await res.json()).properties.state).toBe('Shipping');

  if (hasJs(testInfo)) {
    // Live: the state badge and the diagram follow without a reload.
    await job.expectCurrentState('Shipping');
    await expect(job.diagramNode('Creating')).toHaveAttribute('data-visit', 'visited');
    expect(reloads).toBe(0);
  } else {
    await page.reload();
    await job.expectCurrentState('Shipping');
  }
  const id = Number(/\/jobs\/(\d+)/.exec(page.url())![1]);

  // Staff see who did it: the API token, under the customer's name.
  const staffContext = await browser.newContext({ baseURL: testInfo.project.use.baseURL, javaScriptEnabled: hasJs(testInfo) });
  const staffPage = await staffContext.newPage();
  await signIn(staffPage, testInfo, STAFF);
  const staff = new ConsolePage(staffPage, testInfo);
  await staff.openJob(id);
  await staff.expectState('Shipping');
  const actor = staff.events('markedShipping').getByTestId('event-actor');
  await expect(actor).toContainText('API token');
  await expect(actor).toContainText('demo token');
  await expect(actor).toContainText(CUSTOMER.name);
  await staffContext.close();
});

test('the footer links every page to the API guide', async ({ page }, testInfo) => {
  await page.goto('/sign-in');
  await waitForHydration(page, testInfo);
  await page.getByTestId('api-docs-link').click();
  await expect(page).toHaveURL(/\/api-docs$/);
  await expect(page.locator('a[href="/openapi.json"]').first()).toBeVisible();
  // The base URL is where this browser reached the server (no proxy in front: its own scheme and host).
  await expect(page.getByTestId('api-base-url')).toHaveText(new URL(page.url()).origin);
});

test('staff report the blobs an export left out, and the API shows the list', async ({ page, browser }, testInfo) => {
  await signIn(page, testInfo, STAFF);
  const staff = new ConsolePage(page, testInfo);
  const { name } = await staff.createTestJob('export-shipping');
  const [a, b] = [`EXP-${testInfo.project.name.toUpperCase()}-A`, `EXP-${testInfo.project.name.toUpperCase()}-B`];

  const intake = await staff.openJobOp('package-intake');
  await intake.getByLabel('Drives in the package').fill(`${a}, ${b}`);
  await intake.getByRole('button', { name: 'Record package intake' }).click();
  await staff.expectState('Received');
  for (const drive of [a, b]) {
    await (await staff.openDriveOp(drive, 'start-copy')).getByRole('button', { name: 'Start copy' }).click();
    await staff.expectDriveState(drive, 'Transferring');
  }

  // A list that is not an http(s) URL is refused with the field named, keeping what was typed.
  const list = 'https://demostore01.blob.core.windows.net/waimportexport/not-exported.xml';
  let finish = await staff.openDriveOp(a, 'finish');
  await finish.getByLabel('Outcome').selectOption('Warning');
  await finish.getByLabel('Error log URI').fill('https://demostore01.blob.core.windows.net/waimportexport/error.log');
  await finish.getByLabel('Verbose log URI').fill('https://demostore01.blob.core.windows.net/waimportexport/verbose.log');
  await finish.getByLabel('Incomplete blob list URI').fill('ftp://demostore01/not-exported.xml');
  await finish.getByRole('button', { name: 'Finish the drive' }).click();
  finish = staff.driveOp(a, 'finish');
  await expect(finish.locator('[data-field-error="incomplete_blob_list_uri"]')).toHaveText(
    'Incomplete blob list URI must be an absolute http(s) URL',
  );
  await expect(finish.getByLabel('Incomplete blob list URI')).toHaveValue('ftp://demostore01/not-exported.xml');
  await staff.expectDriveState(a, 'Transferring');

  await finish.getByLabel('Outcome').selectOption('Warning');
  await finish.getByLabel('Error log URI').fill('https://demostore01.blob.core.windows.net/waimportexport/error.log');
  await finish.getByLabel('Verbose log URI').fill('https://demostore01.blob.core.windows.net/waimportexport/verbose.log');
  await finish.getByLabel('Incomplete blob list URI').fill(list);
  await finish.getByRole('button', { name: 'Finish the drive' }).click();
  await staff.expectDriveState(a, 'CompletedMoreInfo');
  await expect(staff.events('driveFinished').first()).toContainText(list);

  // The customer's program reads the list through the API; the job's other drive is still copying.
  const customer = await customerContext(browser, testInfo);
  const listing = await customer.page.request.get(
    `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.ImportExport/jobs?$filter=jobType%20eq%20%27Export%27&${VERSION}`,
    { headers: AUTH },
  );
  expect(listing.status()).toBe(200);
  const found = (await listing.json()).value.find((j: { name: string }) => j.name === name);
  expect(found, `${name} is listed`).toBeTruthy();
  expect(found.properties.incompleteBlobListUri).toBe(list);
  await customer.context.close();
});

import { APIRequestContext, expect, test } from '@playwright/test';
import { execFileSync } from 'child_process';
import { CUSTOMER, signIn, STAFF } from '../pages/auth';
import { hasJs } from '../pages/base';
import { ConsolePage } from '../pages/console';
import { JobsPage } from '../pages/jobs-page';
import { OwnServer } from '../pages/server';

/*
 * Several server instances on one PostgreSQL database (scripts/test provides the cluster in
 * PORTAL_PG_ADMIN_URL). Each test starts its own instances on a new database.
 */

const DEMO_SUBSCRIPTION = '6f1d3c2a-8b4e-4c5a-9d7e-1a2b3c4d5e6f';
const DEMO_RESOURCE_GROUP = 'demo-rg';
/** The demo customer's well-known API token (printed by a --demo server). */
const DEMO_TOKEN = 'iep_demo0customer0token0for0the0local0portal0only000000000000000000';
/** What the instance that takes the timer lease logs (src/server/timers.rs). */
const LEASE_TAKEN = 'this instance now runs the timers';

/** A new empty database on the test cluster; returns its URL. */
function newDatabase(admin: string, prefix: string): string {
  const name = `${prefix}_${Date.now()}`;
  execFileSync('psql', ['-q', admin, '-c', `CREATE DATABASE ${name}`]);
  return admin.replace(/\/postgres$/, `/${name}`);
}

/** Runs one query and returns its rows, tab-separated. */
function sql(url: string, query: string): string[] {
  const out = execFileSync('psql', ['-At', '-F', '\t', url, '-c', query], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.length > 0);
}

function jobsUrl(server: OwnServer, name?: string): string {
  const base = `${server.url}/subscriptions/${DEMO_SUBSCRIPTION}`;
  return name === undefined
    ? `${base}/providers/Microsoft.ImportExport/jobs?api-version=2021-01-01`
    : `${base}/resourceGroups/${DEMO_RESOURCE_GROUP}/providers/Microsoft.ImportExport/jobs/${name}?api-version=2021-01-01`;
}

/** Creates an import job through the REST API of `server`, with the demo customer's token. */
async function putJob(request: APIRequestContext, server: OwnServer, name: string): Promise<void> {
  const res = await request.put(jobsUrl(server, name), {
    headers: { Authorization: `Bearer ${DEMO_TOKEN}` },
    data: {
      location: 'westus',
      properties: {
        storageAccountId: `/subscriptions/${DEMO_SUBSCRIPTION}/resourceGroups/${DEMO_RESOURCE_GROUP}/providers/Microsoft.Storage/storageAccounts/demostore01`,
        jobType: 'Import',
        driveList: [
          {
            driveId: `${name.toUpperCase()}-1`,
            bitLockerKey: '123453-234564-345675-456786-567897-678920-123442-000000',
            manifestFile: '\\DriveManifest.xml',
            manifestHash: '109B21108597EF36D5785F08303F3638',
          },
        ],
      },
    },
  });
  expect(res.status(), await res.text()).toBe(201);
}

test('a session and an API token work on every instance, and a staff action on one instance moves the diagram of a customer connected to another within a second', async ({ browser, request }, testInfo) => {
  const admin = process.env.PORTAL_PG_ADMIN_URL;
  test.skip(!admin || !hasJs(testInfo), 'needs the PostgreSQL cluster of the test command, and JavaScript');
  test.setTimeout(120_000);
  const url = newDatabase(admin!, 'portal_two');
  // The first instance creates the schema and the demo data; the second joins the same database.
  const a = await OwnServer.start(['--database-url', url]);
  const b = await OwnServer.start(['--database-url', url]);
  const staffContext = await browser.newContext({ baseURL: a.url });
  const signInContext = await browser.newContext({ baseURL: a.url });
  let customerContext;
  try {
    // The customer signs in on instance A; the same session cookie is then used on instance B.
    await signIn(await signInContext.newPage(), testInfo, CUSTOMER);
    customerContext = await browser.newContext({ baseURL: b.url, storageState: await signInContext.storageState() });
    const customerPage = await customerContext.newPage();
    await customerPage.goto('/jobs');
    await expect(customerPage).toHaveURL(/\/jobs$/);
    await expect(customerPage.getByTestId('signed-in-as')).toContainText(CUSTOMER.name);
    await expect(new JobsPage(customerPage, testInfo).row('demo-shipping')).toBeVisible();

    // An API token works on instance B too.
    const listed = await request.get(jobsUrl(b), { headers: { Authorization: `Bearer ${DEMO_TOKEN}` } });
    expect(listed.status()).toBe(200);
    const names = ((await listed.json()).value as { name: string }[]).map((j) => j.name);
    expect(names).toContain('demo-shipping');

    const staffPage = await staffContext.newPage();
    await signIn(staffPage, testInfo, STAFF);
    const console_ = new ConsolePage(staffPage, testInfo);
    await console_.open('/staff?q=demo-shipping');
    const href = await staffPage.locator('a', { hasText: 'demo-shipping' }).first().getAttribute('href');
    const id = Number(/(\d+)$/.exec(href!)![1]);

    await customerPage.goto(`/jobs/${id}`);
    await expect(customerPage.locator('body')).toHaveAttribute('data-live', 'open');
    await expect(customerPage.getByTestId('job-state').first()).toHaveText('Shipping');

    await console_.openJob(id);
    const intake = await console_.openJobOp('package-intake');
    const record = intake.getByRole('button', { name: 'Record package intake' });
    await expect(record).toBeEnabled();
    // The second starts at the staff member's click: the command on A, NOTIFY through PostgreSQL, B's
    // listener, the customer's event stream and the redraw must all fit in it.
    const clicked = Date.now();
    await record.click();
    await expect(customerPage.getByTestId('job-state').first()).toHaveText('Received', { timeout: 1000 });
    const elapsed = Date.now() - clicked;
    testInfo.annotations.push({ type: 'click to redraw', description: `${elapsed} ms` });
    expect(elapsed, `the customer's page redrew ${elapsed} ms after the click`).toBeLessThan(1000);
    await expect(customerPage.getByTestId('job-diagram').getByTestId('node-Received')).toHaveAttribute('data-visit', 'current');
    await console_.expectState('Received');
  } finally {
    await staffContext.close();
    await signInContext.close();
    await customerContext?.close();
    await a.stop();
    await b.stop();
  }
});

test('killing the instance that holds the timer lease lets the other take over, and no timer fires twice', async ({ request }, testInfo) => {
  const admin = process.env.PORTAL_PG_ADMIN_URL;
  test.skip(!admin || !hasJs(testInfo), 'needs the PostgreSQL cluster of the test command; runs once, in the js project');
  test.setTimeout(180_000);
  const url = newDatabase(admin!, 'portal_lease');
  // Jobs left in Creating are deleted by the timer 15 s after they were created.
  const options = { env: { PORTAL_TIMER_CREATING_EXPIRY: '15s' } };
  const a = await OwnServer.start(['--database-url', url], options);
  const b = await OwnServer.start(['--database-url', url], options);
  try {
    // Exactly one of them takes the lease (the first, which starts sweeping at once).
    await expect.poll(() => [a, b].filter((s) => s.log().includes(LEASE_TAKEN)).length, { timeout: 20_000 }).toBe(1);
    const holder = a.log().includes(LEASE_TAKEN) ? a : b;
    const survivor = holder === a ? b : a;

    // Jobs whose timers fall due after the holder dies: some made through the holder, some through the
    // survivor once the holder is gone.
    const names = ['lease-before-1', 'lease-before-2', 'lease-before-3'];
    for (const name of names) await putJob(request, holder, name);
    await holder.kill('SIGKILL');
    for (const name of ['lease-after-1', 'lease-after-2', 'lease-after-3']) {
      await putJob(request, survivor, name);
      names.push(name);
    }
    expect(survivor.log()).not.toContain(LEASE_TAKEN);
    await survivor.waitForLog(LEASE_TAKEN, 20_000);

    // Every one of them expires, through the survivor.
    const deletions = () =>
      sql(
        url,
        `SELECT j.name, COUNT(e.id) FROM jobs j LEFT JOIN events e ON e.job_id = j.id AND e.kind = 'deleted' \
         WHERE j.name LIKE 'lease-%' GROUP BY j.name ORDER BY j.name`,
      );
    const allDeletedOnce = names
      .slice()
      .sort()
      .map((n) => `${n}\t1`);
    await expect.poll(deletions, { timeout: 60_000, intervals: [1000] }).toEqual(allDeletedOnce);
    const byTimer = sql(
      url,
      `SELECT DISTINCT e.actor_type FROM events e JOIN jobs j ON j.id = e.job_id \
       WHERE j.name LIKE 'lease-%' AND e.kind = 'deleted'`,
    );
    expect(byTimer).toEqual(['timer']);

    // Another sweep later, still once each; and no timer event anywhere in the database (the demo jobs'
    // expiries fired by the first holder included) was written twice.
    await new Promise((r) => setTimeout(r, 6_000));
    expect(deletions()).toEqual(allDeletedOnce);
    const twice = sql(
      url,
      `SELECT job_id, kind, at, COALESCE(drive_id, '') FROM events WHERE actor_type = 'timer' \
       GROUP BY job_id, kind, at, COALESCE(drive_id, '') HAVING COUNT(*) > 1`,
    );
    expect(twice).toEqual([]);
    const deletedTwice = sql(url, `SELECT job_id FROM events WHERE kind = 'deleted' GROUP BY job_id HAVING COUNT(*) > 1`);
    expect(deletedTwice).toEqual([]);
    expect(survivor.log()).toContain('timers fired');
  } finally {
    await a.stop();
    await b.stop();
  }
});

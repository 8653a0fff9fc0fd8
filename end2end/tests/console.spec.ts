import { expect, test } from '@playwright/test';
import { signIn, STAFF } from '../pages/auth';
import { hasJs, waitForHydration } from '../pages/base';
import { ConsolePage, customerContext, expectCustomerSees } from '../pages/console';
import { JobActionsPage } from '../pages/job-page';

test.beforeEach(async ({ page }, testInfo) => {
  await signIn(page, testInfo, STAFF);
});

test('staff take an import job from Shipping to Completed through every operation while the customer follows', async ({ page, browser }, testInfo) => {
  const staff = new ConsolePage(page, testInfo);
  const { id, name } = await staff.createTestJob('shipping');
  const [a, b] = await staff.driveIds();
  const extra = `EXTRA-${testInfo.project.name.toUpperCase()}`;

  const customer = await customerContext(browser, testInfo);
  await customer.page.goto(`/jobs/${id}`);
  await waitForHydration(customer.page, testInfo);
  await expect(customer.page.getByTestId('job-name')).toHaveText(name);
  await expectCustomerSees(customer.page, testInfo, 'Shipping');
  if (hasJs(testInfo)) {
    await expect(customer.page.locator('body')).toHaveAttribute('data-live', 'open');
  }

  // Package intake: drive B is not in the package, an unlisted drive is.
  await staff.expectState('Shipping');
  const intake = await staff.openJobOp('package-intake');
  await intake.getByLabel(b).uncheck();
  await intake.getByLabel('Extra drives (not on the drive list)').fill(extra);
  await intake.getByRole('button', { name: 'Record package intake' }).click();
  await staff.expectState('Received');
  await staff.expectDriveState(b, 'NeverReceived');
  await expect(page.getByTestId('extra-drives')).toContainText(extra);
  await expectCustomerSees(customer.page, testInfo, 'Received');

  // Drive B arrives later.
  await (await staff.openDriveOp(b, 'receive-late')).getByRole('button', { name: 'Record the late arrival' }).click();
  await staff.expectDriveState(b, 'Received');

  // Both copies start; the job moves to Transferring with the first.
  await (await staff.openDriveOp(a, 'start-copy')).getByRole('button', { name: 'Start copy' }).click();
  await staff.expectDriveState(a, 'Transferring');
  await staff.expectState('Transferring');
  await expectCustomerSees(customer.page, testInfo, 'Transferring');
  await (await staff.openDriveOp(b, 'start-copy')).getByRole('button', { name: 'Start copy' }).click();
  await staff.expectDriveState(b, 'Transferring');

  // Progress.
  const progress = await staff.openDriveOp(a, 'report-progress');
  await progress.getByLabel('Percent').fill('60');
  await progress.getByLabel('Bytes copied').fill('600000');
  await progress.getByRole('button', { name: 'Report progress' }).click();
  await expect(staff.drive(a).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '60');

  // Finish A; finishing B "with more info" needs its logs: refused first, with the field named.
  await (await staff.openDriveOp(a, 'finish')).getByRole('button', { name: 'Finish the drive' }).click();
  await staff.expectDriveState(a, 'Completed');
  let finish = await staff.openDriveOp(b, 'finish');
  await finish.getByLabel('Outcome').selectOption('Warning');
  await finish.getByRole('button', { name: 'Finish the drive' }).click();
  finish = staff.driveOp(b, 'finish');
  await expect(finish.locator('[data-field-error="error_log_uri"]')).toHaveText('Completed with more info needs the error log URI');
  await expect(finish.getByTestId('op-error')).toBeVisible();
  await finish.getByLabel('Outcome').selectOption('Warning');
  await finish.getByLabel('Error log URI').fill('https://acct01.blob.core.windows.net/logs/error.log');
  await finish.getByLabel('Verbose log URI').fill('https://acct01.blob.core.windows.net/logs/verbose.log');
  await finish.getByRole('button', { name: 'Finish the drive' }).click();
  await staff.expectDriveState(b, 'CompletedMoreInfo');
  // The last drive finished: the job is packaging by itself.
  await staff.expectState('Packaging');
  await expectCustomerSees(customer.page, testInfo, 'Packaging');

  // Ship back: the extra drive goes back too (3 drives, prefilled).
  const ship = await staff.openJobOp('ship-back');
  await expect(ship.getByLabel('Drive count')).toHaveValue('3');
  await ship.getByLabel('Tracking number').fill(`RET-${id}`);
  await ship.getByLabel(/this cannot be undone/).check();
  await ship.getByRole('button', { name: 'Ship back' }).click();
  await staff.expectState('Completed');
  await expectCustomerSees(customer.page, testInfo, 'Completed');
  for (const drive of [a, b]) {
    await staff.expectDriveState(drive, 'ShippedBack');
  }

  // The timeline has every step with the right actor; operations no longer apply.
  const staffKinds = ['packageReceived', 'driveArrived', 'copyStarted', 'progressReported', 'driveFinished', 'shippedBack'];
  for (const kind of staffKinds) {
    await expect(staff.events(kind).first().getByTestId('event-actor')).toContainText('Sam Staff');
  }
  await expect(staff.events('created').getByTestId('event-actor')).toContainText('Customer');
  await expect(staff.events('packagingStarted')).toContainText('All drives finished');
  await expect(staff.events('packageReceived')).toContainText(extra);
  await expect(staff.jobOp('ship-back')).toHaveAttribute('data-allowed', 'false');

  // The CSV export holds the same history.
  const csv = await (await page.request.get(`/staff/jobs/${id}/timeline.csv`)).text();
  for (const kind of staffKinds) {
    expect(csv).toContain(`staff,Sam Staff,${kind}`);
  }
  expect(csv).toContain('customer,Dana Demo,markedShipping');
  await customer.context.close();
});

test('fault and resolve a job and a drive, each with a reason', async ({ page }, testInfo) => {
  const staff = new ConsolePage(page, testInfo);
  const { id } = await staff.createTestJob('shipping');
  const [a] = await staff.driveIds();
  await (await staff.openJobOp('package-intake')).getByRole('button', { name: 'Record package intake' }).click();
  await staff.expectState('Received');

  const fault = await staff.openDriveOp(a, 'fault-drive');
  await fault.getByLabel('Reason').fill('Drive does not spin up');
  await fault.getByRole('button', { name: 'Fault the drive' }).click();
  await staff.expectDriveState(a, 'Faulted');

  const faultJob = await staff.openJobOp('fault-job');
  await faultJob.getByLabel('Reason').fill('Package arrived damaged');
  await faultJob.getByRole('button', { name: 'Fault the job' }).click();
  await staff.expectState('Faulted');
  await expect(page.getByTestId('job-attention')).toContainText('Package arrived damaged');
  // Data-center work waits for the resolution, and says so.
  await expect(staff.jobOp('package-job').getByTestId('op-reason')).toContainText('resolve it first');

  const resolve = await staff.openJobOp('resolve-job');
  await expect(resolve.getByLabel('Resolve to')).toHaveValue('Received');
  await resolve.getByLabel('Resolution').fill('Customer confirmed the drives are fine');
  await resolve.getByRole('button', { name: 'Resolve the job' }).click();
  await staff.expectState('Received');

  const resolveDrive = await staff.openDriveOp(a, 'resolve-drive');
  await resolveDrive.getByLabel('Resolution').fill('Reseated the drive');
  await resolveDrive.getByRole('button', { name: 'Resolve the drive' }).click();
  await staff.expectDriveState(a, 'Received');
  await expect(staff.events('jobFaulted')).toContainText('Package arrived damaged');
  await expect(staff.events('jobResolved')).toContainText('Customer confirmed the drives are fine');
  await expect(staff.events('driveResolved')).toContainText('Reseated the drive');
  // Drive events only.
  await staff.openJob(id, '?events=drive');
  await expect(staff.timeline().first()).toHaveAttribute('data-drive', /.+/);
  await expect(staff.events('jobFaulted')).toHaveCount(0);
  await expect(staff.events('driveFaulted')).toHaveCount(1);
  // Job events only, chosen from the timeline's own links.
  await page.getByRole('link', { name: 'Job events' }).click();
  await expect(page).toHaveURL(/events=job/);
  await expect(page.getByRole('link', { name: 'Job events' })).toHaveAttribute('aria-current', 'page');
  await expect(staff.events('jobFaulted')).toHaveCount(1);
  await expect(staff.events('jobResolved')).toHaveCount(1);
  await expect(staff.events('driveFaulted')).toHaveCount(0);
  for (const entry of await staff.timeline().all()) {
    await expect(entry).not.toHaveAttribute('data-drive', /.+/);
  }
  // The diagram draws the path taken, the fault included, and says it as text.
  const diagram = page.getByTestId('job-diagram');
  await expect(diagram.getByTestId('node-Received')).toHaveAttribute('data-visit', 'current');
  await expect(diagram.getByTestId('node-Faulted')).toHaveAttribute('data-visit', 'visited');
  await expect(diagram.getByTestId('node-Transferring')).toHaveAttribute('data-visit', 'untouched');
  await page.locator('summary', { hasText: 'Diagram as text' }).first().click();
  const path = page.getByTestId('job-path').locator('li');
  await expect(path).toHaveText([/^Creating at /, /^Shipping at /, /^Received at /, /^Faulted at /, /^Received at /]);
});

test('a faulted job is resolved to a state other than the one it left', async ({ page }, testInfo) => {
  const staff = new ConsolePage(page, testInfo);
  await staff.createTestJob('shipping');
  // Nothing on the drive list arrived, only a stray drive.
  const intake = await staff.openJobOp('package-intake');
  for (const box of await intake.getByRole('checkbox').all()) {
    await box.uncheck();
  }
  await intake.getByLabel('Extra drives (not on the drive list)').fill(`STRAY-${testInfo.project.name.toUpperCase()}`);
  await intake.getByRole('button', { name: 'Record package intake' }).click();
  await staff.expectState('Received');
  const fault = await staff.openJobOp('fault-job');
  await fault.getByLabel('Reason').fill('Customer unreachable');
  await fault.getByRole('button', { name: 'Fault the job' }).click();
  await staff.expectState('Faulted');
  const resolve = await staff.openJobOp('resolve-job');
  await expect(resolve.getByLabel('Resolve to')).toHaveValue('Received');
  await resolve.getByLabel('Resolve to').selectOption('Packaging');
  await resolve.getByLabel('Resolution').fill('Customer asked for the stray drive back');
  await resolve.getByRole('button', { name: 'Resolve the job' }).click();
  await staff.expectState('Packaging');
  const resolved = staff.events('jobResolved');
  await expect(resolved.getByTestId('event-states')).toHaveText('Faulted → Packaging');
  await expect(resolved.getByTestId('event-actor')).toHaveText('Staff Sam Staff');
});

test('a cancelled job in Received skips the copy and ships back', async ({ page }, testInfo) => {
  const staff = new ConsolePage(page, testInfo);
  await staff.createTestJob('shipping-cancelled');
  await expect(page.getByTestId('cancelled-badge')).toBeVisible();
  const [a] = await staff.driveIds();
  await (await staff.openJobOp('package-intake')).getByRole('button', { name: 'Record package intake' }).click();
  await staff.expectState('Received');
  await expect(staff.driveOp(a, 'start-copy')).toHaveAttribute('data-allowed', 'false');
  await expect(staff.driveOp(a, 'start-copy').getByTestId('op-reason')).toHaveText(
    'The customer cancelled the job: drives that have not started are returned uncopied',
  );
  await (await staff.openJobOp('package-job')).getByRole('button', { name: 'Move to packaging' }).click();
  await staff.expectState('Packaging');
  const ship = await staff.openJobOp('ship-back');
  await ship.getByLabel('Tracking number').fill('RET-CANCELLED');
  await ship.getByLabel(/this cannot be undone/).check();
  await ship.getByRole('button', { name: 'Ship back' }).click();
  await staff.expectState('Completed');
  await expect(staff.events('copyStarted')).toHaveCount(0);
});

test('a job the customer cancels after package intake (Received) skips the copy and ships back', async ({ page, browser }, testInfo) => {
  const staff = new ConsolePage(page, testInfo);
  const { id } = await staff.createTestJob('shipping');
  const drives = await staff.driveIds();
  await (await staff.openJobOp('package-intake')).getByRole('button', { name: 'Record package intake' }).click();
  await staff.expectState('Received');
  for (const d of drives) {
    await staff.expectDriveState(d, 'Received');
  }

  // The customer cancels now, from their job page.
  const customer = await customerContext(browser, testInfo);
  await customer.page.goto(`/jobs/${id}`);
  await waitForHydration(customer.page, testInfo);
  await expect(customer.page.getByTestId('cancel-effect')).toContainText('returned uncopied');
  await new JobActionsPage(customer.page).cancel();
  await expect(customer.page.getByTestId('cancelled-badge')).toBeVisible();
  await customer.context.close();

  // The copy is refused with the lifecycle's reason; packaging and the return go on.
  await staff.openJob(id);
  await expect(page.getByTestId('cancelled-badge')).toBeVisible();
  await staff.expectState('Received');
  for (const d of drives) {
    await expect(staff.driveOp(d, 'start-copy')).toHaveAttribute('data-allowed', 'false');
    await expect(staff.driveOp(d, 'start-copy').getByTestId('op-reason')).toHaveText(
      'The customer cancelled the job: drives that have not started are returned uncopied',
    );
  }
  await (await staff.openJobOp('package-job')).getByRole('button', { name: 'Move to packaging' }).click();
  await staff.expectState('Packaging');
  const ship = await staff.openJobOp('ship-back');
  await ship.getByLabel('Tracking number').fill(`RET-RCVD-${id}`);
  await ship.getByLabel(/this cannot be undone/).check();
  await ship.getByRole('button', { name: 'Ship back' }).click();
  await staff.expectState('Completed');
  for (const d of drives) {
    await staff.expectDriveState(d, 'ShippedBack');
  }
  await expect(staff.events('copyStarted')).toHaveCount(0);
  await expect(staff.events('cancellationRequested').getByTestId('event-actor')).toContainText('Dana Demo');
  await expect(staff.events('cancellationRequested').getByTestId('event-states')).toHaveText('Received');
});

test('staff correct the return address while Transferring and add a note, each on the timeline under their name', async ({ page }, testInfo) => {
  const staff = new ConsolePage(page, testInfo);
  const { id } = await staff.createTestJob('shipping');
  const [a] = await staff.driveIds();
  await (await staff.openJobOp('package-intake')).getByRole('button', { name: 'Record package intake' }).click();
  await staff.expectState('Received');
  await (await staff.openDriveOp(a, 'start-copy')).getByRole('button', { name: 'Start copy' }).click();
  await staff.expectState('Transferring');

  // After calling the customer: the corrected address, prefilled with the old one.
  const recipient = `Pat Corrected ${testInfo.project.name}`;
  const correct = await staff.openJobOp('correct-return-address');
  await expect(correct.getByLabel('Recipient name')).not.toHaveValue('');
  await correct.getByLabel('Recipient name').fill(recipient);
  await correct.locator('[name="street_address1"]').fill('1 Corrected Way');
  await correct.getByRole('button', { name: 'Correct the return address' }).click();
  await expect(page.getByTestId('return-address')).toContainText(recipient);
  await expect(page.getByTestId('return-address')).toContainText('1 Corrected Way');
  const corrected = staff.events('returnAddressCorrected');
  await expect(corrected).toHaveCount(1);
  await expect(corrected.getByTestId('event-actor')).toHaveText('Staff Sam Staff');
  await expect(corrected).toContainText(recipient);
  await expect(corrected.getByTestId('event-states')).toHaveText('Transferring');

  // A note: an event on the timeline, with the staff member's name.
  const text = `Called the customer about the address (${testInfo.project.name})`;
  await page.locator('#note-text').fill(text);
  await page.getByRole('button', { name: 'Add note' }).click();
  const note = staff.events('noteAdded');
  await expect(note).toHaveCount(1);
  await expect(note).toContainText(text);
  await expect(note.getByTestId('event-actor')).toHaveText('Staff Sam Staff');
  // The box is empty again for the next note.
  await expect(page.locator('#note-text')).toHaveValue('');

  // Both are in the export.
  const csv = await (await page.request.get(`/staff/jobs/${id}/timeline.csv`)).text();
  expect(csv).toContain('staff,Sam Staff,returnAddressCorrected');
  expect(csv).toContain('staff,Sam Staff,noteAdded');
});

test('an unmatched intake for a job that is not Shipping is recorded on the job and in the queue', async ({ page }, testInfo) => {
  const staff = new ConsolePage(page, testInfo);
  const { id, name } = await staff.createTestJob('ready');
  const section = page.getByTestId('op-record-intake');
  await section.locator('summary').click();
  const tracking = `EARLY-${testInfo.project.name.toUpperCase()}-${id}`;
  await section.getByLabel('Tracking number').fill(tracking);
  await section.getByLabel('Drives in the package').fill('WD-EARLY-1, WD-EARLY-2');
  await section.getByRole('button', { name: 'Record unmatched intake' }).click();
  await expect(staff.events('unmatchedIntakeNoted')).toContainText('2 drive(s)');
  await expect(page.getByTestId('job-intakes')).toContainText(tracking);

  await staff.open('/staff/attention');
  const row = page.locator(`[data-testid="attention-row"][data-kind="unmatched-intake"][data-job="${name}"]`);
  await expect(row).toContainText(tracking);
  await expect(row.getByTestId('next-step')).toContainText('Reach the customer');

  await staff.open('/staff/intakes');
  const intake = page.locator(`[data-testid="intake"][data-tracking="${tracking}"]`);
  await expect(intake.getByTestId('intake-next-step')).toBeVisible();
  await intake.locator('details.op > summary').click();
  await intake.getByLabel('What happened').selectOption('CustomerReached');
  await intake.getByRole('button', { name: 'Resolve intake' }).click();
  await expect(page.locator(`[data-testid="resolved-intakes"] [data-tracking="${tracking}"]`)).toBeVisible();
});

test('the attention queue says what to do next and links to the job', async ({ page }, testInfo) => {
  const staff = new ConsolePage(page, testInfo);
  await staff.open('/staff/attention');
  const row = page.locator('[data-testid="attention-row"][data-kind="job-faulted"][data-job="demo-faulted"]');
  await expect(row).toContainText('Package arrived damaged');
  await expect(row.getByTestId('next-step')).toContainText('resolve the job');
  await row.getByTestId('attention-open').click();
  await expect(page.getByTestId('job-name')).toHaveText('demo-faulted');
  await expect(page.getByTestId('job-attention')).toContainText('Faulted job');
});

test('all jobs: search by customer email and drive, filter by state and needs attention', async ({ page }, testInfo) => {
  const staff = new ConsolePage(page, testInfo);
  await staff.openList('/staff');
  await page.getByLabel('Search').fill('customer@example.com');
  await page.getByLabel('State').selectOption('Faulted');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/state=Faulted/);
  const rows = page.getByTestId('staff-job-row');
  await expect(page.locator('[data-testid="staff-job-row"][data-job="demo-faulted"]')).toBeVisible();
  for (const row of await rows.all()) {
    await expect(row.getByTestId('job-state')).toHaveText('Faulted');
    await expect(row).toContainText('customer@example.com');
  }
  await staff.openList('/staff?attention=1');
  await expect(page.locator('[data-testid="staff-job-row"][data-job="demo-faulted"]').getByTestId('needs-attention')).toBeVisible();
  await expect(page.locator('[data-testid="staff-job-row"][data-job="demo-transferring"]')).toHaveCount(0);
});

test('all jobs: search by delivery and return tracking number, filter by type, page through', async ({ page }, testInfo) => {
  const staff = new ConsolePage(page, testInfo);
  await staff.openList('/staff?q=demo-completed');
  await page.locator('[data-testid="staff-job-row"][data-job="demo-completed"]').getByRole('link', { name: 'demo-completed' }).click();
  await expect(page.getByTestId('job-name')).toHaveText('demo-completed');
  const summary = page.locator('section[aria-labelledby="summary-heading"]');
  const returned = /\S+ (\S+) \(/.exec((await summary.locator('dt:has-text("Return package") + dd').textContent())!)![1];
  const sent = /\S+ (\S+)$/.exec((await summary.locator('dt:has-text("Delivery package") + dd').textContent())!.trim())![1];
  for (const tracking of [sent, returned]) {
    await staff.openList('/staff');
    await page.getByLabel('Search').fill(tracking);
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page).toHaveURL(new RegExp(`q=${tracking}`));
    await expect(page.locator('[data-testid="staff-job-row"][data-job="demo-completed"]')).toBeVisible();
  }

  await staff.openList('/staff');
  await page.getByLabel('Type').selectOption('Export');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/job_type=Export/);
  await expect(page.locator('[data-testid="staff-job-row"][data-job="demo-export-shipping"]')).toBeVisible();
  await expect(page.locator('[data-testid="staff-job-row"][data-job="demo-shipping"]')).toHaveCount(0);
  for (const row of await page.getByTestId('staff-job-row').all()) {
    await expect(row.locator('td').nth(3)).toHaveText('Export');
  }

  // Every job once across the pages: first make sure there is more than one page.
  await staff.openList('/staff');
  while ((await page.getByRole('link', { name: 'Next page →' }).count()) === 0) {
    await staff.createTestJob('ready');
    await staff.openList('/staff');
  }
  const seen: string[] = [];
  for (let pages = 0; pages < 50; pages++) {
    const names = await page.getByTestId('staff-job-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-job')!));
    expect(names.length).toBeGreaterThan(0);
    seen.push(...names);
    const next = page.getByRole('link', { name: 'Next page →' });
    if ((await next.count()) === 0) {
      break;
    }
    expect(names).toHaveLength(25);
    const first = names[0];
    await next.click();
    await expect(page).toHaveURL(/cursor=/);
    await expect(page.getByTestId('staff-job-row').first()).not.toHaveAttribute('data-job', first);
    await waitForHydration(page, testInfo);
  }
  expect(seen.length).toBeGreaterThan(25);
  expect(new Set(seen).size).toBe(seen.length);
  expect(seen).toContain('demo-creating');
  await expect(page.getByRole('link', { name: '← First page' })).toBeVisible();
});

test('the timeline of a finished job exports as CSV and JSON', async ({ page }, testInfo) => {
  const staff = new ConsolePage(page, testInfo);
  await staff.openList('/staff?q=demo-completed');
  await page.locator('[data-testid="staff-job-row"][data-job="demo-completed"]').getByRole('link', { name: 'demo-completed' }).click();
  await expect(page.getByTestId('job-name')).toHaveText('demo-completed');
  const count = await staff.timeline().count();
  expect(count).toBeGreaterThanOrEqual(8);
  const csvHref = await page.getByTestId('export-csv').getAttribute('href');
  const csv = await page.request.get(csvHref!);
  expect(csv.headers()['content-type']).toContain('text/csv');
  const lines = (await csv.text()).trim().split(/\r?\n/);
  expect(lines[0]).toBe('seq,at,recorded_at,actor_type,actor,event,description,state_before,state_after,drive_id,details');
  expect(lines.length - 1).toBe(count);
  expect(lines.some((l) => l.includes('staff,Sam Staff,shippedBack'))).toBe(true);
  const json = await (await page.request.get((await page.getByTestId('export-json').getAttribute('href'))!)).json();
  expect(json.name).toBe('demo-completed');
  expect(json.events).toHaveLength(count);
});

test('customers cannot open the console', async ({ browser }, testInfo) => {
  const customer = await customerContext(browser, testInfo);
  const response = await customer.page.goto('/staff');
  expect(response!.status()).toBe(403);
  await expect(customer.page.getByTestId('forbidden')).toBeVisible();
  const csv = await customer.page.request.get('/staff/jobs/1/timeline.csv');
  expect(csv.status()).toBe(403);
  await customer.context.close();
});

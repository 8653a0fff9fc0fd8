import { expect, test } from '@playwright/test';
import { signIn } from '../pages/auth';
import { hasJs } from '../pages/base';
import { JobPage } from '../pages/job-page';
import { JobsPage } from '../pages/jobs-page';

test.beforeEach(async ({ page }, testInfo) => {
  await signIn(page, testInfo);
});

test.describe('jobs list', () => {
  test('renders the demo jobs from the database, one per state', async ({ page }, testInfo) => {
    const jobs = new JobsPage(page, testInfo);
    await jobs.open(JobsPage.DEMO);
    await expect(jobs.row('demo-transferring')).toBeVisible();
    await expect(jobs.row('demo-transferring').getByTestId('job-state')).toHaveText('Transferring');
    await expect(jobs.row('demo-faulted').getByTestId('job-state')).toHaveText('Faulted');
    await expect(jobs.row('demo-cancelled').getByTestId('cancelled-badge')).toBeVisible();
    expect(await jobs.rows().count()).toBeGreaterThanOrEqual(8);
  });

  test('filters by state', async ({ page }, testInfo) => {
    const jobs = new JobsPage(page, testInfo);
    await jobs.open();
    await jobs.filterByState('Packaging');
    await expect(jobs.row('demo-packaging')).toBeVisible();
    await expect(jobs.row('demo-transferring')).toHaveCount(0);
    for (const badge of await jobs.rows().getByTestId('job-state').all()) {
      await expect(badge).toHaveText('Packaging');
    }
  });

  test('explains an empty result', async ({ page }, testInfo) => {
    const jobs = new JobsPage(page, testInfo);
    await jobs.open('?state=Closed&cursor=0.0');
    await expect(page.getByTestId('jobs-empty')).toContainText('No job is Closed');
  });
});

test.describe('job page', () => {
  test('the diagram highlights the current state and the path taken', async ({ page }, testInfo) => {
    const jobs = new JobsPage(page, testInfo);
    await jobs.open();
    await jobs.openJob('demo-transferring');
    const job = new JobPage(page);
    await job.expectCurrentState('Transferring');
    for (const visited of ['Creating', 'Shipping', 'Received']) {
      await expect(job.diagramNode(visited)).toHaveAttribute('data-visit', 'visited');
    }
    await expect(job.diagramNode('Packaging')).toHaveAttribute('data-visit', 'untouched');
    await expect(page.getByTestId('job-diagram')).toHaveAttribute('role', 'img');
  });

  test('mark as shipped names everything still missing and links to the form that fixes it', async ({ page }, testInfo) => {
    const jobs = new JobsPage(page, testInfo);
    await jobs.open();
    await jobs.openJob('demo-creating');
    const job = new JobPage(page);
    await expect(job.markShippedReason()).toHaveText(
      'Mark as shipped needs a delivery package tracking number, a return address and return shipping (carrier and carrier account number)');
    await expect(job.markShippedReason().getByRole('link')).toHaveAttribute('href', /\/jobs\/\d+\/ship$/);
  });

  test('mark as shipped moves the job to Shipping (server function)', async ({ page }, testInfo) => {
    // Each project takes its own ready job, so the two runs do not interfere.
    const name = hasJs(testInfo) ? 'demo-ready-to-ship-1' : 'demo-ready-to-ship-2';
    const jobs = new JobsPage(page, testInfo);
    await jobs.open();
    await jobs.openJob(name);
    const job = new JobPage(page);
    await job.expectCurrentState('Creating');
    await expect(job.markShippedButton()).toBeEnabled();

    let fullLoads = 0;
    page.on('load', () => fullLoads++);
    await job.markShipped();
    await job.expectCurrentState('Shipping');
    await expect(job.diagramNode('Creating')).toHaveAttribute('data-visit', 'visited');
    await expect(job.markShippedButton()).toBeDisabled();
    await expect(job.markShippedReason()).toHaveText('The package is already marked as shipped');
    // Hydrated, the dialog submits and the page updates in place; without JavaScript the form is a page of its
    // own, and its post leads back to the job.
    expect(fullLoads).toBe(hasJs(testInfo) ? 0 : 2);
  });
});

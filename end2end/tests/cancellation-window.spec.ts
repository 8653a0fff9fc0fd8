import { expect, test } from '@playwright/test';
import { CUSTOMER, signIn } from '../pages/auth';
import { hasJs, waitForLive } from '../pages/base';
import { JobActionsPage, JobPage } from '../pages/job-page';
import { JobsPage } from '../pages/jobs-page';
import { OwnServer } from '../pages/server';

/** A demo job in each state. */
const JOB_IN: Record<string, string> = {
  Creating: 'demo-creating',
  Shipping: 'demo-shipping',
  Received: 'demo-received',
  Transferring: 'demo-transferring',
  Packaging: 'demo-packaging',
  Completed: 'demo-completed',
  Closed: 'demo-closed',
  Faulted: 'demo-faulted',
};

/** The reference's table (lifecycle.md §4). */
const WINDOWS: Record<string, string[]> = {
  'before-packaging': ['Creating', 'Shipping', 'Received', 'Transferring'],
  'creating-or-shipping': ['Creating', 'Shipping'],
  'creating-only': ['Creating'],
};

for (const [window, cancellable] of Object.entries(WINDOWS)) {
  test(`with the ${window} window, cancel is enabled exactly in ${cancellable.join(', ')}`, async ({ browser }, testInfo) => {
    // One server per window setting, in both projects: the cancel form is posted plainly without JavaScript.
    test.setTimeout(120_000);
    const server = await OwnServer.start(['--cancellation-window', window]);
    const context = await browser.newContext({ baseURL: server.url, javaScriptEnabled: hasJs(testInfo) });
    try {
      const page = await context.newPage();
      await signIn(page, testInfo, CUSTOMER);
      for (const [state, name] of Object.entries(JOB_IN)) {
        const jobs = new JobsPage(page, testInfo);
        await jobs.open(`?q=${name}`);
        await jobs.openJob(name);
        await new JobPage(page).expectCurrentState(state);
        const button = page.getByTestId('cancel-job');
        if (cancellable.includes(state)) {
          await expect(button, `${state} under ${window}`).toBeEnabled();
        } else {
          await expect(button, `${state} under ${window}`).toBeDisabled();
          await expect(page.getByTestId('cancel-reason')).toContainText('can be cancelled only');
        }
      }
      // Creating is inside every window: cancelling ends the job at once, along the diagram's cancel edge.
      {
        const jobs = new JobsPage(page, testInfo);
        await jobs.open('?q=demo-creating');
        await jobs.openJob('demo-creating');
        await waitForLive(page, testInfo);
        await new JobActionsPage(page).cancel();
        await new JobPage(page).expectCurrentState('Completed');
        const taken = page.getByTestId('job-diagram').locator('path.edge.taken');
        await expect(taken).toHaveCount(1);
        await expect(taken).toHaveClass(/\bcancel\b/);
        await expect(taken.locator('title')).toContainText('Cancelled before shipping (by you)');
      }
      if (window === 'before-packaging') {
        // A cancelled Received job skips the copy: the next step offered is packaging, not copying.
        const jobs = new JobsPage(page, testInfo);
        await jobs.open('?q=demo-received');
        await jobs.openJob('demo-received');
        await waitForLive(page, testInfo);
        await expect(page.getByTestId('cancel-effect')).toContainText('returned uncopied');
        await new JobActionsPage(page).cancel();
        await expect(page.getByTestId('cancelled-badge')).toBeVisible();
        await expect(page.getByTestId('next-steps')).toContainText('Cancelled: copy skipped → Packaging');
        await expect(page.getByTestId('next-steps')).not.toContainText('First drive starts copying');
      }
    } finally {
      await context.close();
      await server.stop();
    }
  });
}

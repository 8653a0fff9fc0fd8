import { expect, test } from '@playwright/test';
import { CUSTOMER, signIn } from '../pages/auth';
import { hasJs } from '../pages/base';
import { JobPage } from '../pages/job-page';
import { JobsPage } from '../pages/jobs-page';

test('a change made in one tab appears in another open tab without reloading', async ({ browser }, testInfo) => {
  test.skip(!hasJs(testInfo), 'live updates need JavaScript');
  const context = await browser.newContext();
  const watcher = await context.newPage();
  await signIn(watcher, testInfo, CUSTOMER);
  const jobs = new JobsPage(watcher, testInfo);
  await jobs.open();
  await jobs.openJob('demo-ready-to-ship-3');
  await expect(watcher.locator('body')).toHaveAttribute('data-live', 'open');
  const watched = new JobPage(watcher);
  await watched.expectCurrentState('Creating');
  let reloads = 0;
  watcher.on('load', () => reloads++);

  const actor = await context.newPage();
  await actor.goto(watcher.url());
  await new JobPage(actor).markShippedButton().click();
  await new JobPage(actor).expectCurrentState('Shipping');

  await watched.expectCurrentState('Shipping');
  await expect(watched.diagramNode('Creating')).toHaveAttribute('data-visit', 'visited');
  expect(reloads).toBe(0);
  await context.close();
});

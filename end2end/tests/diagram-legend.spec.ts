import { expect, Locator, Page, test, TestInfo } from '@playwright/test';
import { CUSTOMER, signIn, STAFF } from '../pages/auth';
import { ConsolePage } from '../pages/console';
import { JobsPage } from '../pages/jobs-page';

// Issue 17, item 8: the diagram explains itself (a visible legend drawn like the diagram; tooltips in the
// reader's words).

async function openDemoJob(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const jobs = new JobsPage(page, testInfo);
  await jobs.open(`?q=${name}`);
  await jobs.openJob(name);
}

/** The computed stroke of an SVG element. */
function stroke(el: Locator): Promise<string> {
  return el.evaluate((e) => getComputedStyle(e).stroke);
}

/** The legend under a diagram: visible, every entry named, each swatch drawn like the diagram's own marks. */
async function expectLegend(page: Page, of: 'job' | 'drive'): Promise<void> {
  const legend = page.getByTestId(`${of}-legend`);
  await expect(legend).toBeVisible();
  await expect(legend.getByTestId('legend-current')).toContainText('Current state');
  await expect(legend.getByTestId('legend-taken')).toContainText('Path taken');
  await expect(legend.getByTestId('legend-cancel')).toContainText('Cancel path');
  await expect(legend.getByTestId('legend-error')).toContainText('Error path');
  await expect(legend.getByTestId('legend-conditional')).toContainText('Only in a particular situation');
  const diagram = page.getByTestId(`${of}-diagram`);
  // Same colours as the drawing: the cancel and error lines, and the current state's fill.
  for (const kind of ['cancel', 'error']) {
    expect(await stroke(legend.getByTestId(`legend-${kind}`).locator('path'))).toBe(
      await stroke(diagram.locator(`path.edge.${kind}:not(.taken)`).first()),
    );
  }
  const fill = (el: Locator) => el.evaluate((e) => getComputedStyle(e).fill);
  expect(await fill(legend.getByTestId('legend-current').locator('rect'))).toBe(
    await fill(diagram.locator('[data-visit="current"] rect').first()),
  );
  const dashes = (el: Locator) => el.evaluate((e) => getComputedStyle(e).strokeDasharray);
  expect(await dashes(legend.getByTestId('legend-conditional').locator('path'))).not.toBe('none');
}

test('the customer sees a legend under both diagrams and tooltips in their own words', async ({ page }, testInfo) => {
  await signIn(page, testInfo, CUSTOMER);
  await openDemoJob(page, testInfo, 'demo-transferring');
  await expectLegend(page, 'job');
  await expectLegend(page, 'drive');
  const tip = page.locator('.diagram-box.wide').first().getByTestId('tip-Transferring');
  await expect(tip).toContainText('The data center is copying data on your drives.');
  await expect(tip).toContainText('Here now');
  await expect(page.locator('.diagram-box.wide').first().getByTestId('tip-Shipping')).toContainText('You shipped your package');
  // The lines say who acts in the customer's words.
  await expect(page.getByTestId('job-diagram').locator('path.edge title').first()).not.toContainText('(operator');
});

test('staff see the same legend and tooltips in the console\'s words', async ({ page }, testInfo) => {
  await signIn(page, testInfo, STAFF);
  const staff = new ConsolePage(page, testInfo);
  await staff.createTestJob('shipping');
  await expectLegend(page, 'job');
  const tip = page.locator('.diagram-box.wide').first().getByTestId('tip-Shipping');
  await expect(tip).toContainText('Customer marked the package shipped; awaiting intake.');
  await expect(tip).toContainText('Current state');
  await expect(tip).not.toContainText('your');
  await expect(page.getByTestId('job-diagram').locator('path.edge title', { hasText: '(operator' }).first()).toBeAttached();
});

import { expect, Locator, Page, test } from '@playwright/test';
import { CUSTOMER, signIn, STAFF } from '../pages/auth';
import { hasJs, waitForHydration } from '../pages/base';
import { ConsolePage } from '../pages/console';
import { NewJobPage, SAMPLE_KEY, uniqueName } from '../pages/new-job-page';

// Issue 17, item 10: the small things (BitLocker key fields, tables on phones, aria-current, the attention
// queue's Open button).

/** Whether a secret input shows its characters (type text without a CSS mask). */
async function isRevealed(input: Locator): Promise<boolean> {
  return input.evaluate((el: HTMLInputElement) => {
    const masked = getComputedStyle(el).getPropertyValue('-webkit-text-security');
    return el.type === 'text' && (masked === '' || masked === 'none');
  });
}

/** The elements of the page that claim to be the current page. */
function currents(page: Page): Locator {
  return page.locator('[aria-current]');
}

test.describe('customer', () => {
  test.beforeEach(async ({ page }, testInfo) => {
    await signIn(page, testInfo, CUSTOMER);
  });

  test('a BitLocker key is typed masked, states its exact format and can be shown', async ({ page }, testInfo) => {
    const form = new NewJobPage(page, testInfo);
    await form.open('import');
    const key = form.field('job[drives][0][bit_locker_key]');
    await expect(page.getByText('Exactly 8 groups of 6 digits separated by hyphens')).toBeVisible();
    await expect(key).toHaveAttribute('placeholder', '000000-000000-000000-000000-000000-000000-000000-000000');
    await key.fill(SAMPLE_KEY);
    expect(await isRevealed(key)).toBe(false);
    if (hasJs(testInfo)) await expect(key).toHaveAttribute('type', 'password');
    const show = page.getByTestId('reveal-secret').first();
    await expect(show).toBeVisible();
    await show.check();
    await expect.poll(() => isRevealed(key)).toBe(true);
    await expect(key).toHaveValue(SAMPLE_KEY);
    await show.uncheck();
    await expect.poll(() => isRevealed(key)).toBe(false);
    // The toggle is not part of the form: nothing named is added.
    await expect(show).not.toHaveAttribute('name', /.+/);
  });

  test('only the current tab is marked current', async ({ page }, testInfo) => {
    await page.goto('/jobs');
    await waitForHydration(page, testInfo);
    await expect(currents(page)).toHaveCount(1);
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Jobs' })).toHaveAttribute('aria-current', 'page');

    await page.goto('/jobs/new?type=export');
    await waitForHydration(page, testInfo);
    await expect(currents(page)).toHaveCount(1);
    await expect(page.getByTestId('type-export')).toHaveAttribute('aria-current', 'page');
    // The header still shows the section, without claiming to be the current page.
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Jobs' })).toHaveClass(/active/);
  });
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 375, height: 760 } });

  test('tables scroll sideways with a cue and drive ids stay on one line', async ({ page }, testInfo) => {
    await signIn(page, testInfo, CUSTOMER);
    const form = new NewJobPage(page, testInfo);
    await form.open('import');
    const name = uniqueName('phone', testInfo);
    await form.fillBasics(name);
    const serial = `WDC-WX41A12345678-PHONE-${testInfo.project.name.toUpperCase()}`;
    await form.fillDrive(0, serial);
    await form.submit();
    await expect(page.getByTestId('job-name')).toHaveText(name);

    const table = page.getByTestId('drives-table');
    const wrap = page.locator('.table-wrap').filter({ has: table });
    // The table scrolls inside its wrapper, the page itself does not.
    expect(await wrap.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    // A visible cue says so.
    const cue = await wrap.evaluate((el) => {
      const before = getComputedStyle(el, '::before');
      return { display: before.display, content: before.content };
    });
    expect(cue.display).toBe('block');
    expect(cue.content).toContain('Scroll sideways');
    // The drive id is on one line.
    const cell = table.locator('td.mono', { hasText: serial });
    const lines = await cell.evaluate((el) => {
      const range = document.createRange();
      range.selectNodeContents(el);
      return new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top))).size;
    });
    expect(lines).toBe(1);
    // The jobs list scrolls the same way.
    await page.goto('/jobs');
    const jobs = page.locator('.table-wrap').filter({ has: page.getByTestId('jobs-table') });
    expect(await jobs.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    // Wide screens need no cue.
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(await jobs.evaluate((el) => getComputedStyle(el, '::before').display)).toBe('none');
  });
});

test.describe('staff', () => {
  test.beforeEach(async ({ page }, testInfo) => {
    await signIn(page, testInfo, STAFF);
  });

  test('in the console only the console tab is current, and Open is apart from the next step', async ({ page }, testInfo) => {
    const staff = new ConsolePage(page, testInfo);
    const { id, name } = await staff.createTestJob('ready');
    const section = page.getByTestId('op-record-intake');
    await section.locator('summary').click();
    await section.getByLabel('Tracking number').fill(`TABS-${testInfo.project.name.toUpperCase()}-${id}`);
    await section.getByLabel('Drives in the package').fill('WD-TABS-1');
    await section.getByRole('button', { name: 'Record unmatched intake' }).click();
    await expect(staff.events('unmatchedIntakeNoted')).toBeVisible();

    await staff.open('/staff/attention');
    await expect(currents(page)).toHaveCount(1);
    await expect(page.getByRole('navigation', { name: 'Support console' }).getByRole('link', { name: 'Attention queue' })).toHaveAttribute('aria-current', 'page');
    const header = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Support console' });
    await expect(header).not.toHaveAttribute('aria-current', /.*/);
    await expect(header).toHaveClass(/active/);

    const row = page.locator(`[data-testid="attention-row"][data-kind="unmatched-intake"][data-job="${name}"]`);
    const next = row.getByTestId('next-step');
    await expect(next).toContainText('Reach the customer');
    await expect(next.getByTestId('attention-open')).toHaveCount(0);
    const open = row.getByTestId('attention-open');
    await expect(open).toBeVisible();
    // Separate cells: the button is not inside the next step's text.
    expect(await open.evaluate((el, text) => el.closest('td') !== text, await next.elementHandle())).toBe(true);

    await staff.open('/staff');
    await expect(currents(page)).toHaveCount(1);
    await expect(page.getByRole('navigation', { name: 'Support console' }).getByRole('link', { name: 'All jobs' })).toHaveAttribute('aria-current', 'page');
  });
});

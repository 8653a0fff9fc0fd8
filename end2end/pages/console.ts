import { Browser, BrowserContext, expect, Locator, Page, TestInfo } from '@playwright/test';
import { CUSTOMER, signIn } from './auth';
import { hasJs, waitForHydration, waitForLive } from './base';

/** The support console (`/staff/…`), signed in as staff. */
export class ConsolePage {
  constructor(private page: Page, private testInfo: TestInfo) {}

  async open(path: string): Promise<void> {
    await this.page.goto(path);
    await waitForHydration(this.page, this.testInfo);
  }

  /** Opens the all-jobs list (`/staff…`) and, with JavaScript, waits for the re-read its live stream makes
   * when it opens (a list cannot tell from one version whether it missed a change), which redraws the
   * filter form: choices made before it would be drawn over. */
  async openList(path: string): Promise<void> {
    const reread = hasJs(this.testInfo)
      ? this.page.waitForResponse((r) => r.url().includes('/api/staff_list_jobs'))
      : Promise.resolve(null);
    await this.open(path);
    await reread;
    await waitForLive(this.page, this.testInfo);
  }

  /** Creates a test job of the demo customer from the clock page (needs --dev-clock) and opens it. */
  async createTestJob(scenario: 'shipping' | 'ready' | 'shipping-cancelled' | 'export-shipping'): Promise<{ id: number; name: string }> {
    await this.open('/staff/clock');
    await this.page.getByLabel('Scenario').selectOption(scenario);
    await this.page.getByRole('button', { name: 'Create test job' }).click();
    await expect(this.page).toHaveURL(/\/staff\/jobs\/\d+$/);
    await expect(this.page.getByTestId('job-name')).toHaveText(new RegExp(`^dev-${scenario}-`));
    await waitForHydration(this.page, this.testInfo);
    const id = Number(/\/staff\/jobs\/(\d+)/.exec(this.page.url())![1]);
    const name = (await this.page.getByTestId('job-name').textContent())!.trim();
    return { id, name };
  }

  async openJob(id: number, query = ''): Promise<void> {
    await this.open(`/staff/jobs/${id}${query}`);
  }

  state(): Locator {
    return this.page.getByTestId('job-state').first();
  }

  async expectState(state: string): Promise<void> {
    await expect(this.state()).toHaveText(state);
  }

  /** A job operation's item: `package-intake`, `ship-back`, `fault-job`, … */
  jobOp(key: string): Locator {
    return this.page.getByTestId('job-operations').getByTestId(`op-${key}`);
  }

  /** Opens a job operation's form. */
  async openJobOp(key: string): Promise<Locator> {
    const op = this.jobOp(key);
    await expect(op).toHaveAttribute('data-allowed', 'true');
    await openDetails(op.locator('details').first());
    return op;
  }

  drive(id: string): Locator {
    return this.page.locator(`[data-testid="staff-drive"][data-drive="${id}"]`);
  }

  async driveIds(): Promise<string[]> {
    return this.page.getByTestId('staff-drive').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-drive')!));
  }

  async expectDriveState(id: string, state: string): Promise<void> {
    await expect(this.drive(id).getByTestId('drive-state')).toHaveAttribute('data-state', state);
  }

  driveOp(drive: string, key: string): Locator {
    return this.drive(drive).getByTestId(`op-${key}`);
  }

  /** Opens a drive operation's form (it must be available now). */
  async openDriveOp(drive: string, key: string): Promise<Locator> {
    const op = this.driveOp(drive, key);
    await expect(op).toHaveAttribute('data-allowed', 'true');
    // One-click operations (Start copy) have no form to open.
    if ((await op.evaluate((e) => e.tagName)) === 'DETAILS') await openDetails(op);
    return op;
  }

  timeline(): Locator {
    return this.page.getByTestId('timeline-entry');
  }

  /** The timeline entries of one kind (`packageReceived`, `shippingOverdue`, …). */
  events(kind: string): Locator {
    return this.page.locator(`[data-testid="timeline-entry"][data-kind="${kind}"]`);
  }

  async advanceClock(days: number, hours = 0): Promise<void> {
    await this.open('/staff/clock');
    const before = await this.page.getByTestId('clock-now').getAttribute('data-now');
    await this.page.getByLabel('Days').fill(String(days));
    await this.page.getByLabel('Hours').fill(String(hours));
    await this.page.getByRole('button', { name: 'Move forward and run timers' }).click();
    await expect(this.page.getByTestId('clock-now')).not.toHaveAttribute('data-now', before!);
  }
}

/** Opens a `<details>` element (a form stays open when the page re-renders after a change). */
export async function openDetails(details: Locator): Promise<void> {
  // With a second browser open (the customer's), this page may be in the background, where Chromium defers
  // rendering the form's number inputs; bring it forward first.
  await details.page().bringToFront();
  // A click can land on a view that a live update is replacing: retry until the form shows.
  await expect(async () => {
    if (!(await details.evaluate((d) => (d as HTMLDetailsElement).open))) {
      await details.locator('summary').first().click();
    }
    await expect(details.locator('button[type="submit"]').first()).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 10_000 });
}

/** A second browser (same JavaScript setting as the project) signed in as the demo customer. */
export async function customerContext(browser: Browser, testInfo: TestInfo): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    baseURL: testInfo.project.use.baseURL,
    javaScriptEnabled: hasJs(testInfo),
  });
  const page = await context.newPage();
  await signIn(page, testInfo, CUSTOMER);
  return { context, page };
}

/** The customer's job page follows the staff's change: live with JavaScript, after a reload without. */
export async function expectCustomerSees(page: Page, testInfo: TestInfo, state: string): Promise<void> {
  if (!hasJs(testInfo)) {
    await page.reload();
  }
  await expect(page.getByTestId('job-state').first()).toHaveText(state);
}

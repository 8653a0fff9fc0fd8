import { expect, Locator, Page, TestInfo } from '@playwright/test';
import { waitForHydration } from './base';

/** The jobs list. */
export class JobsPage {
  constructor(private page: Page, private testInfo: TestInfo) {}

  /** The demo jobs: every demo job's name starts with `demo-`, and they fit on one page. */
  static readonly DEMO = '?q=demo-';

  async open(query = ''): Promise<void> {
    await this.page.goto(`/jobs${query}`);
    await waitForHydration(this.page, this.testInfo);
  }

  rows(): Locator {
    return this.page.getByTestId('job-row');
  }

  row(name: string): Locator {
    return this.page.locator(`[data-testid="job-row"][data-job="${name}"]`);
  }

  async filterByState(state: string): Promise<void> {
    await this.page.getByLabel('State').selectOption(state);
    await this.page.getByRole('button', { name: 'Apply' }).click();
    await expect(this.page).toHaveURL(new RegExp(`state=${state}`));
  }

  /** Opens a job from the list; when it is not on the page shown, searches for it by name first (other tests
   * add jobs to the shared server, so a demo job need not be on the first page). */
  async openJob(name: string): Promise<void> {
    if ((await this.row(name).count()) === 0) await this.open(`?q=${encodeURIComponent(name)}`);
    await this.row(name).getByRole('link', { name }).click();
    await expect(this.page.getByTestId('job-name')).toHaveText(name);
    await waitForHydration(this.page, this.testInfo);
  }
}

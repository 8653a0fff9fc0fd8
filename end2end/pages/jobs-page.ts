import { expect, Locator, Page, TestInfo } from '@playwright/test';
import { waitForHydration } from './base';

/** The jobs list. */
export class JobsPage {
  constructor(private page: Page, private testInfo: TestInfo) {}

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

  async openJob(name: string): Promise<void> {
    await this.row(name).getByRole('link', { name }).click();
    await expect(this.page.getByTestId('job-name')).toHaveText(name);
    await waitForHydration(this.page, this.testInfo);
  }
}

import { expect, Locator, Page } from '@playwright/test';

/** One job's page. */
export class JobPage {
  constructor(private page: Page) {}

  stateBadge(): Locator {
    return this.page.getByTestId('job-state').first();
  }

  diagramNode(state: string): Locator {
    return this.page.getByTestId('job-diagram').getByTestId(`node-${state}`);
  }

  async expectCurrentState(state: string): Promise<void> {
    await expect(this.stateBadge()).toHaveText(state);
    await expect(this.diagramNode(state)).toHaveAttribute('data-visit', 'current');
  }

  markShippedButton(): Locator {
    return this.page.getByTestId('mark-shipped');
  }

  markShippedReason(): Locator {
    return this.page.getByTestId('mark-shipped-reason');
  }
}

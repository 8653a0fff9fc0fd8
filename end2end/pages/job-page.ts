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

/** The job page's forms and actions. */
export class JobActionsPage {
  constructor(private page: Page) {}

  async saveDelivery(carrier: string, tracking: string): Promise<void> {
    const card = this.page.getByTestId('delivery-card');
    await card.locator('[name="pkg[carrier_name]"]').selectOption(carrier);
    await card.locator('[name="pkg[tracking_number]"]').fill(tracking);
    await card.getByTestId('save-delivery').click();
  }

  async saveAddress(values: Record<string, string>): Promise<void> {
    const card = this.page.getByTestId('address-card');
    for (const [k, v] of Object.entries(values)) {
      await card.locator(`[name="address[${k}]"]`).fill(v);
    }
    await card.getByTestId('save-address').click();
  }

  async cancel(): Promise<void> {
    await this.page.getByLabel('Yes, cancel this job').check();
    await this.page.getByTestId('cancel-job').click();
  }
}

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

  /** The guided Mark as shipped form: the dialog (JavaScript) or its own page (without). */
  shipForm(): Locator {
    return this.page.locator('[data-testid="ship-dialog"][open], [data-testid="ship-page"]');
  }

  /** Opens the guided form and submits it as it comes (a job that already has everything). */
  async markShipped(): Promise<void> {
    await this.markShippedButton().click();
    await expect(this.shipForm()).toBeVisible();
    await this.shipForm().getByTestId('ship-submit').click();
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

  async saveReturnShipping(carrier: string, account: string): Promise<void> {
    const card = this.page.getByTestId('return-shipping-card');
    await card.locator('[name="shipping[carrier_name]"]').selectOption(carrier);
    await card.locator('[name="shipping[carrier_account_number]"]').fill(account);
    await card.getByTestId('save-return-shipping').click();
  }

  async cancel(): Promise<void> {
    // The cancel section is collapsed until opened.
    const section = this.page.getByTestId('cancel-section');
    if ((await section.getAttribute('open')) === null) await section.locator('summary').click();
    await this.page.getByLabel('Yes, cancel this job').check();
    await this.page.getByTestId('cancel-job').click();
  }
}

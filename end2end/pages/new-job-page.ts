import { expect, Page, TestInfo } from '@playwright/test';
import { hasJs, waitForHydration } from './base';

/** Valid sample values (BitLocker groups are multiples of 11 below 720896). */
export const SAMPLE_KEY = '123453-234564-345675-456786-567897-678920-123442-000000';
export const SAMPLE_HASH = '109B21108597EF36D5785F08303F3638';
export const STORAGE = '/subscriptions/6f1d3c2a-8b4e-4c5a-9d7e-1a2b3c4d5e6f/resourceGroups/default/providers/Microsoft.Storage/storageAccounts/acct01';

export function uniqueName(prefix: string, testInfo: TestInfo): string {
  return `${prefix}-${testInfo.project.name}-${Date.now().toString(36)}`;
}

/** The new-job form. */
export class NewJobPage {
  constructor(private page: Page, private testInfo: TestInfo) {}

  async open(type: 'import' | 'export' = 'import'): Promise<void> {
    await this.page.goto(`/jobs/new?type=${type}`);
    await waitForHydration(this.page, this.testInfo);
  }

  field(name: string) {
    return this.page.locator(`[name="${name}"]`);
  }

  errorOf(field: string) {
    return this.page.locator(`[data-field-error="${field}"]`);
  }

  async addDrives(total: number): Promise<void> {
    for (let n = await this.page.getByTestId('drive-row').count(); n < total; n++) {
      await this.page.getByTestId('add-drive').click();
      await expect(this.page.getByTestId('drive-row')).toHaveCount(n + 1);
      await waitForHydration(this.page, this.testInfo);
    }
  }

  async fillBasics(name: string): Promise<void> {
    await this.field('job[name]').fill(name);
    await this.field('job[storage_account_id]').fill(STORAGE);
  }

  async fillDrive(i: number, serial: string): Promise<void> {
    await this.field(`job[drives][${i}][drive_id]`).fill(serial);
    await this.field(`job[drives][${i}][bit_locker_key]`).fill(SAMPLE_KEY);
    await this.field(`job[drives][${i}][manifest_hash]`).fill(SAMPLE_HASH);
  }

  async fillReturnAddress(email = 'ada@example.com'): Promise<void> {
    const set = (k: string, v: string) => this.field(`job[address][${k}]`).fill(v);
    await set('recipient_name', 'Ada Lovelace');
    await set('street_address1', '1 Analytical Way');
    await set('city', 'Redmond');
    await set('postal_code', '98052');
    await set('country_or_region', 'USA');
    await set('phone', '+1 425 555 0100');
    await set('email', email);
  }

  async submit(): Promise<void> {
    await this.page.getByTestId('create-job').click();
  }

  rows() {
    return this.page.getByTestId('drive-row');
  }

  /** Adds or removes a row: in the browser with JavaScript, by posting the form back to the page without. */
  async addDrive(): Promise<void> {
    const n = await this.rows().count();
    await this.page.getByTestId('add-drive').click();
    await expect(this.rows()).toHaveCount(n + 1);
    await waitForHydration(this.page, this.testInfo);
  }

  async removeDrive(): Promise<void> {
    const n = await this.rows().count();
    await this.page.getByTestId('remove-drive').click();
    await expect(this.rows()).toHaveCount(n - 1);
    await waitForHydration(this.page, this.testInfo);
  }

  /** Chooses the data center; without JavaScript its address shows after "Show this data center's address". */
  async chooseLocation(name: string): Promise<void> {
    await this.field('job[location]').selectOption(name);
    if (!hasJs(this.testInfo)) {
      await this.page.getByTestId('show-address').click();
      await expect(this.page.getByTestId('ship-to')).toHaveAttribute('data-location', name);
    }
  }
}

import { expect, Page, TestInfo } from '@playwright/test';
import { waitForHydration } from './base';

/** Demo logins, seeded by the server in demo mode (see README). */
export const CUSTOMER = { email: 'customer@example.com', password: 'demo-customer-1', name: 'Dana Demo' };
export const STAFF = { email: 'staff@example.com', password: 'demo-staff-1', name: 'Sam Staff' };

/** The sign-in page. */
export class SignInPage {
  constructor(private page: Page, private testInfo: TestInfo) {}

  async open(next?: string): Promise<void> {
    await this.page.goto(next ? `/sign-in?next=${encodeURIComponent(next)}` : '/sign-in');
    await waitForHydration(this.page, this.testInfo);
  }

  async signIn(email: string, password: string): Promise<void> {
    await this.page.getByLabel('Email').fill(email);
    await this.page.getByLabel('Password').fill(password);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
  }

  error() {
    return this.page.getByTestId('form-error');
  }
}

/** Signs in through the real form and waits for the jobs page. */
export async function signIn(page: Page, testInfo: TestInfo, who = CUSTOMER): Promise<void> {
  const signInPage = new SignInPage(page, testInfo);
  await signInPage.open();
  await signInPage.signIn(who.email, who.password);
  await expect(page.getByTestId('signed-in-as')).toContainText(who.name);
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in/);
}

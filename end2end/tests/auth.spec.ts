import { expect, test } from '@playwright/test';
import { CUSTOMER, signIn, SignInPage, signOut, STAFF } from '../pages/auth';
import { waitForHydration } from '../pages/base';

function uniqueEmail(testInfo: { project: { name: string } }): string {
  return `new-${testInfo.project.name}-${Date.now()}@example.com`;
}

test('a visitor is sent to sign in and comes back to the page asked for', async ({ page }, testInfo) => {
  await page.goto('/jobs?state=Shipping');
  await expect(page).toHaveURL(/\/sign-in\?next=/);
  await waitForHydration(page, testInfo);
  await new SignInPage(page, testInfo).signIn(CUSTOMER.email, CUSTOMER.password);
  await expect(page).toHaveURL(/\/jobs\?state=Shipping$/);
  await expect(page.getByTestId('signed-in-as')).toContainText(CUSTOMER.name);
});

test('a wrong password says so and keeps the email typed', async ({ page }, testInfo) => {
  const signInPage = new SignInPage(page, testInfo);
  await signInPage.open();
  await signInPage.signIn(CUSTOMER.email, 'not-the-password');
  await expect(signInPage.error()).toHaveText('The email or password is wrong');
  await expect(page.getByLabel('Email')).toHaveValue(CUSTOMER.email);
  await expect(page.getByLabel('Password')).toHaveValue('');
});

test('sign up creates a customer with a subscription, then sign out and in again', async ({ page }, testInfo) => {
  const email = uniqueEmail(testInfo);
  await page.goto('/sign-up');
  await waitForHydration(page, testInfo);
  await page.getByLabel('Your name').fill('Nora New');
  await page.getByLabel('Email').fill(email);
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill('a-good-password');
  await page.getByLabel('Repeat the password').fill('a-good-password');
  await page.getByRole('button', { name: 'Create account' }).click();
  // The answer is "check your email" (the same for an address that already has an account); then sign in.
  await expect(page.getByTestId('sign-up-sent')).toBeVisible();
  await expect(page.getByTestId('sign-up-sent').getByRole('link', { name: 'Sign in' })).toHaveAttribute('href', '/sign-in');
  await new SignInPage(page, testInfo).open();
  await new SignInPage(page, testInfo).signIn(email, 'a-good-password');
  await expect(page.getByTestId('signed-in-as')).toContainText('Nora New');
  // A new customer starts with no jobs, and the list explains what to do.
  await expect(page.getByTestId('jobs-empty')).toBeVisible();
  await page.goto('/account');
  await expect(page.getByTestId('subscriptions')).toHaveText(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  await signOut(page);
  await page.goto('/jobs');
  await expect(page).toHaveURL(/\/sign-in/);
  await new SignInPage(page, testInfo).signIn(email, 'a-good-password');
  await expect(page.getByTestId('signed-in-as')).toContainText('Nora New');
});

test('sign up explains each invalid field and keeps what was typed', async ({ page }, testInfo) => {
  await page.goto('/sign-up');
  await waitForHydration(page, testInfo);
  await page.getByLabel('Your name').fill('Shorty');
  await page.getByLabel('Email').fill(uniqueEmail(testInfo));
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill('short');
  await page.getByLabel('Repeat the password').fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.locator('[data-field-error="password"]')).toHaveText('Password must be at least 10 characters');
  await expect(page.getByLabel('Your name')).toHaveValue('Shorty');
});

test('a customer typing a staff URL is refused', async ({ page }, testInfo) => {
  await signIn(page, testInfo, CUSTOMER);
  const response = await page.goto('/staff');
  expect(response?.status()).toBe(403);
  await expect(page.getByTestId('forbidden')).toContainText('Staff only');
});

test("a customer typing another customer's job URL gets not found", async ({ page, browser }, testInfo) => {
  // The demo customer's job id, read as the demo customer.
  await signIn(page, testInfo, CUSTOMER);
  await page.goto('/jobs?q=demo-transferring');
  const href = await page.locator('[data-job="demo-transferring"] a').getAttribute('href');
  expect(href).toMatch(/^\/jobs\/\d+$/);

  const other = await browser.newContext({ javaScriptEnabled: testInfo.project.use.javaScriptEnabled });
  const otherPage = await other.newPage();
  const email = uniqueEmail(testInfo);
  await otherPage.goto('/sign-up');
  await waitForHydration(otherPage, testInfo);
  await otherPage.getByLabel('Your name').fill('Otto Other');
  await otherPage.getByLabel('Email').fill(email);
  await otherPage.getByRole('textbox', { name: 'Password', exact: true }).fill('another-password');
  await otherPage.getByLabel('Repeat the password').fill('another-password');
  await otherPage.getByRole('button', { name: 'Create account' }).click();
  await expect(otherPage.getByTestId('sign-up-sent')).toBeVisible();
  await new SignInPage(otherPage, testInfo).open();
  await new SignInPage(otherPage, testInfo).signIn(email, 'another-password');
  await expect(otherPage.getByTestId('signed-in-as')).toContainText('Otto Other');
  const response = await otherPage.goto(href!);
  expect(response?.status()).toBe(404);
  await expect(otherPage.getByTestId('not-found')).toBeVisible();
  await other.close();
});

test('staff land on the console and see every customer job', async ({ page }, testInfo) => {
  await signIn(page, testInfo, STAFF);
  // Signing in without a page to go back to leads staff to the console, customers to their jobs.
  await expect(page).toHaveURL(/\/staff$/);
  await expect(page.getByRole('heading', { name: 'Support console' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Support console' })).toBeVisible();
  await page.goto('/jobs?q=demo-faulted');
  await expect(page.locator('[data-job="demo-faulted"]')).toBeVisible();
});

test('an API token is shown once and can be revoked', async ({ page }, testInfo) => {
  await signIn(page, testInfo, CUSTOMER);
  await page.goto('/account');
  await waitForHydration(page, testInfo);
  const name = `e2e-${testInfo.project.name}-${Date.now()}`;
  await page.getByLabel('Token name').fill(name);
  await page.getByRole('button', { name: 'Create token' }).click();
  await expect(page.getByTestId('new-token')).toHaveText(/^iep_[0-9a-f]{64}$/);
  const row = page.locator(`[data-testid="token-row"][data-token="${name}"]`);
  await expect(row).toContainText('Never');
  await page.reload();
  await expect(page.getByTestId('new-token')).toHaveCount(0);
  await row.getByRole('button', { name: `Revoke token ${name}` }).click();
  await expect(row).toContainText('Revoked');
});

test('a form on another site cannot make a signed-in customer act', async ({ page }, testInfo) => {
  await signIn(page, testInfo, CUSTOMER);
  const target = new URL('/api/create_token', page.url()).toString();
  const name = `forged-${testInfo.project.name}-${Date.now()}`;
  // The attacker's page, on an origin of its own, with a form that posts to the portal.
  await page.route('http://attacker.test/**', (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!DOCTYPE html><html lang="en"><title>Prize</title><form method="post" action="${target}">
        <input type="hidden" name="name" value="${name}"><button type="submit">Claim your prize</button></form></html>`,
    }),
  );
  await page.goto('http://attacker.test/prize');
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url() === target),
    page.getByRole('button', { name: 'Claim your prize' }).click(),
  ]);
  expect(response.status()).toBe(403);
  expect(await response.text()).toContain('cross-site request refused');
  // Nothing happened: no token of that name, and the customer is still signed in.
  await page.goto(new URL('/account', target).toString());
  await expect(page.getByTestId('signed-in-as')).toContainText(CUSTOMER.name);
  await expect(page.getByTestId('account-name')).toBeVisible();
  await expect(page.locator(`[data-testid="token-row"][data-token="${name}"]`)).toHaveCount(0);
});

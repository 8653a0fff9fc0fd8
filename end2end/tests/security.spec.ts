import { expect, test } from '@playwright/test';
import { CUSTOMER, signIn, SignInPage, signOut } from '../pages/auth';
import { waitForHydration } from '../pages/base';

test('after signing out, the back button does not show a job page with its BitLocker keys', async ({ page }, testInfo) => {
  await signIn(page, testInfo, CUSTOMER);
  await page.goto('/jobs?q=demo-transferring');
  const href = await page.locator('[data-job="demo-transferring"] a').getAttribute('href');
  expect(href).toMatch(/^\/jobs\/\d+$/);
  const response = await page.goto(`${href}?keys=show`);
  // Nothing the portal answers may be stored by the browser.
  expect(response?.headers()['cache-control']).toBe('no-store');
  await waitForHydration(page, testInfo);
  const keys = page.getByTestId('keys');
  await expect(keys).toBeVisible();
  const key = (await keys.textContent())?.match(/\d{6}(-\d{6}){7}/)?.[0];
  expect(key).toBeTruthy();

  await signOut(page);
  await page.goBack();
  // The browser asks again (the page was never stored), and the server sends it to sign in.
  await expect(page).toHaveURL(/\/sign-in\?next=/);
  await expect(page.getByTestId('keys')).toHaveCount(0);
  await expect(page.locator('body')).not.toContainText(key!);
});

test('a refused sign-in keeps what was typed without putting it in the URL', async ({ page }, testInfo) => {
  const signInPage = new SignInPage(page, testInfo);
  await signInPage.open();
  await signInPage.signIn(CUSTOMER.email, 'not-the-password');
  await expect(signInPage.error()).toHaveText('The email or password is wrong');
  await expect(page.getByLabel('Email')).toHaveValue(CUSTOMER.email);
  expect(page.url()).not.toContain('__err');
  expect(page.url()).not.toContain(encodeURIComponent(CUSTOMER.email));
  // Reloading shows the form afresh: the message was for one page only.
  await page.reload();
  await waitForHydration(page, testInfo);
  await expect(signInPage.error()).toHaveCount(0);
});

test('a crafted link cannot show an error or fill the form', async ({ page }, testInfo) => {
  // What a refused sign-in would have put in the URL before: base64 of the error with the typed email.
  const forged = Buffer.from(
    JSON.stringify({
      Form: {
        rejection: { kind: 'InvalidInput', message: 'Session expired: sign in again', field: 'password', details: [] },
        values: [['email', 'attacker@evil.example']],
      },
    }),
  ).toString('base64url');
  await page.goto(`/sign-in?__path=%2Fapi%2Fsign_in&__err=${forged}`);
  await expect(page).toHaveURL(/\/sign-in$/);
  await waitForHydration(page, testInfo);
  await expect(page.getByTestId('form-error')).toHaveCount(0);
  await expect(page.getByLabel('Email')).toHaveValue('');
});

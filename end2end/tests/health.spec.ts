import { expect, test } from '@playwright/test';
import { signIn } from '../pages/auth';

test('health endpoint answers ok', async ({ request }) => {
  const res = await request.get('/healthz');
  expect(res.status()).toBe(200);
  expect(await res.text()).toBe('ok');
});

test('unknown pages answer 404 with an explanation', async ({ page }, testInfo) => {
  await signIn(page, testInfo);
  const res = await page.goto('/no/such/page');
  expect(res?.status()).toBe(404);
  await expect(page.getByTestId('not-found')).toBeVisible();
});

test('a job that does not exist answers 404', async ({ page }, testInfo) => {
  await signIn(page, testInfo);
  const res = await page.goto('/jobs/999999');
  expect(res?.status()).toBe(404);
  await expect(page.getByTestId('not-found')).toBeVisible();
});

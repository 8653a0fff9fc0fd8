import { expect, test } from '@playwright/test';
import { CUSTOMER, signIn } from '../pages/auth';
import { NewJobPage, uniqueName } from '../pages/new-job-page';

// Issue 17, item 4: the storage account without typing an ARM id.

test.beforeEach(async ({ page }, testInfo) => {
  await signIn(page, testInfo, CUSTOMER);
});

test('a storage account chosen by subscription name, resource group and account name composes its id', async ({ page }, testInfo) => {
  const form = new NewJobPage(page, testInfo);
  await form.open('import');
  const name = uniqueName('parts', testInfo);
  await form.fillBasics(name);
  // No pasted id: the parts make it.
  await form.field('job[storage_account_id]').fill('');
  const subscription = form.field('job[storage_subscription]');
  // Chosen by its display name, the GUID beside it as a hint.
  const option = subscription.locator('option').first();
  const value = (await option.getAttribute('value'))!;
  expect(value).toMatch(/^[0-9a-f-]{36}$/);
  await expect(option).toContainText(`(${value})`);
  expect((await option.textContent())!.trim()).not.toBe(value);
  await subscription.selectOption(value);
  await form.field('job[storage_resource_group]').fill('rg-data');
  await form.field('job[storage_account_name]').fill('acct42');
  await form.fillDrive(0, `PARTS-${Date.now() % 100000}-${testInfo.project.name}`);
  await form.submit();
  await expect(page.getByTestId('job-name')).toHaveText(name);
  await expect(page.getByText(`/subscriptions/${value}/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/acct42`)).toBeVisible();
});

test('a bad storage account name is refused with the field named and the parts kept', async ({ page }, testInfo) => {
  const form = new NewJobPage(page, testInfo);
  await form.open('import');
  await form.fillBasics(uniqueName('badparts', testInfo));
  await form.field('job[storage_account_id]').fill('');
  await form.field('job[storage_resource_group]').fill('rg-data');
  await form.field('job[storage_account_name]').fill('Bad_Name');
  await form.fillDrive(0, `BADPARTS-${Date.now() % 100000}-${testInfo.project.name}`);
  await form.submit();
  await expect(page.getByTestId('job-name')).toHaveCount(0);
  await expect(page.getByText('Storage account name must be 3-24 lowercase letters and digits').first()).toBeVisible();
  await expect(form.field('job[storage_resource_group]')).toHaveValue('rg-data');
});

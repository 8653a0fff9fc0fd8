import { expect, Page, TestInfo } from '@playwright/test';

/** Whether this run has JavaScript (the `js` project) or plain HTML forms (`nojs`). */
export function hasJs(testInfo: TestInfo): boolean {
  return testInfo.project.use.javaScriptEnabled !== false;
}

/** Waits until the WebAssembly has taken over the page (only meaningful with JavaScript on). */
export async function waitForHydration(page: Page, testInfo: TestInfo): Promise<void> {
  if (hasJs(testInfo)) {
    await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  }
}

/** Waits until a live page has its event stream open (after client-side navigation the page may still be
 * settling before that). */
export async function waitForLive(page: Page, testInfo: TestInfo): Promise<void> {
  if (hasJs(testInfo)) {
    await expect(page.locator('body')).toHaveAttribute('data-live', 'open');
  }
}

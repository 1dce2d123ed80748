// Headless Chromium for browser tests: Debian's chromium package driven by playwright-core (no browser
// download). Screenshots go to test-artifacts/screenshots/ so a failed run can be looked at.

import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from './corpus.js';

export const CHROMIUM = process.env.NETWATCH_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(process.cwd(), 'test-artifacts', 'screenshots');

export async function launchBrowser(): Promise<Browser> {
  // --no-sandbox: the tests run as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
}

/** Saves a full-page screenshot under test-artifacts/screenshots/NAME.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Console errors and page errors (script failures, CSP violations) collected while the page is open. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

/** With NETWATCH_UPDATE_IMAGES=1, a test's screenshot becomes the README's docs/images/NAME.png. */
export function updateReadmeImage(shot: string, name: string): void {
  if (process.env.NETWATCH_UPDATE_IMAGES !== '1') return;
  mkdirSync(join(REPO_ROOT, 'docs', 'images'), { recursive: true });
  copyFileSync(shot, join(REPO_ROOT, 'docs', 'images', `${name}.png`));
}

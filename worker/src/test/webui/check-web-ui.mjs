// Opens the Temporal web UI in Debian's headless Chromium, as an operator would, and prints what
// it shows of one fleet upgrade as JSON (for WebUiIT to assert on), with screenshots:
//   node check-web-ui.mjs UI_URL VERSION WORKFLOW_ID OUT_DIR PREFIX
// 1. the workflow list filtered by the visibility query FleetUpgradeVersion = "VERSION";
// 2. the upgrade, opened from that list: its User Metadata tab (summary, details, current details,
//    each rendered in a frame of its own);
// 3. its Relationships tab (the stage child workflows).
// playwright-core downloads no browser: it drives the one at CHROMIUM (default /usr/bin/chromium).
// Exit 0 with the JSON on stdout; exit 1 with the reason on stderr (and a screenshot of the page).
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [uiUrl, version, workflowId, outDir, prefix = 'web-ui'] = process.argv.slice(2);
if (!uiUrl || !version || !workflowId || !outDir) {
  console.error('usage: node check-web-ui.mjs UI_URL VERSION WORKFLOW_ID OUT_DIR [PREFIX]');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const TIMEOUT = 30_000;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
page.setDefaultTimeout(TIMEOUT);
const shot = (name) => join(outDir, `${prefix}-${name}.png`);
// The UI's Markdown typography writes 7/7 with a fraction slash; the checks read it as written.
const tidy = (t) => t.replace(/\u00a0/g, ' ').replace(/\u2044/g, '/').replace(/\n{2,}/g, '\n').trim();
const text = async () => tidy(await page.locator('main').innerText());
let step = 'start';
try {
  // 1. The list, filtered by the upgrade's search attribute, as a bookmarkable URL
  step = 'workflow list filtered by FleetUpgradeVersion';
  const query = `FleetUpgradeVersion = "${version}"`;
  await page.goto(`${uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(query)}`);
  const row = page.getByRole('link', { name: workflowId, exact: true }).first();
  await row.waitFor();
  const list = await text();
  await page.screenshot({ path: shot('list') });

  // 2. The upgrade, opened from the list: summary, details and current details (Markdown)
  step = 'the upgrade opened from the list';
  await row.click();
  await page.waitForURL(new RegExp(`/workflows/${encodeURIComponent(workflowId)}/[^/]+/`));
  step = 'its User Metadata tab';
  await page.getByRole('tab', { name: /User Metadata/ }).click();
  await page.getByText('Current Details', { exact: true }).waitFor();
  // Summary, Details and Current Details, in that order, each Markdown rendered in its own frame
  const frames = page.locator('iframe');
  step = 'the current details (Markdown)';
  await frames.nth(2).contentFrame().getByText(new RegExp(`Upgrade to ${version.replace(/\./g, '\\.')}`)).waitFor();
  const [summary, details, currentDetails] = await Promise.all([0, 1, 2].map(async (i) =>
    tidy(await frames.nth(i).contentFrame().locator('body').innerText())));
  const metadata = await text();
  await page.screenshot({ path: shot('metadata'), fullPage: true });

  // 3. The stage child workflows
  step = 'its Relationships tab';
  await page.getByRole('tab', { name: /Relationships/ }).click();
  await page.getByText(`${workflowId}/`, { exact: false }).first().waitFor();
  const relationships = await text();
  await page.screenshot({ path: shot('relationships'), fullPage: true });

  console.log(JSON.stringify({ url: page.url(), list, summary, details, currentDetails, metadata, relationships }));
  await browser.close();
} catch (e) {
  await page.screenshot({ path: shot('failed'), fullPage: true }).catch(() => {});
  console.error(`web UI check failed at ${step}: ${e.message}\n(screenshot: ${shot('failed')})`);
  await browser.close();
  process.exit(1);
}

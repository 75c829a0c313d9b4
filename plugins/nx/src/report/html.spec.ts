import { existsSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { describe, expect, it } from 'vitest';
import { buildReport } from './build-report';
import { ceiling, facts, results } from '../../test-support/report-fixtures';
import { htmlReport } from './html';

const chromium = process.env.TF2AIF_CHROMIUM ?? '/usr/bin/chromium';
// skipped, never failed, without it (CI too): `npm test` as root installs it (tools/test-prerequisites.sh)
const missing =
  existsSync(chromium) && !(process.env.TF2AIF_TEST_MISSING ?? '').split(',').includes('chromium')
    ? null
    : `chromium not found at ${chromium} (apt-get install chromium)`;
if (missing) console.warn(`tf2aif test: chromium not found at ${chromium}: the report page test is skipped (apt-get install chromium)`);

describe.skipIf(missing)(`report.html in headless Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('renders with its charts drawn', async () => {
    const { chromium: browserType } = await import('playwright-core');
    const dir = mkdtempSync(join(tmpdir(), 'tf2aif-report-'));
    const file = join(dir, 'report.html');
    writeFileSync(file, htmlReport(buildReport(facts, results, ceiling)));
    const browser = await browserType.launch({
      executablePath: chromium,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1600 } });
      await page.goto(`file://${file}`);
      await page.screenshot({ path: join(dir, 'report.png'), fullPage: true });
      // every measured variant is a visible bar; every variant with latency and accuracy is a point
      const bars = await page.locator('#speedup-chart rect.bar').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height));
      expect(bars).toHaveLength(1);
      expect(bars[0]).toBeGreaterThan(50);
      const points = await page.locator('#latency-accuracy-chart circle.point').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width));
      expect(points).toHaveLength(1);
      expect(points[0]).toBeGreaterThan(5);
      // the screenshot really has the bar's colour in it: the chart was painted, not only laid out
      const box = (await page.locator('#speedup-chart rect.bar').first().boundingBox())!;
      const png = await page.screenshot({ clip: { x: box.x + 2, y: box.y + box.height / 2, width: 2, height: 2 } });
      expect(png.length).toBeGreaterThan(0);
      const colour = await page
        .locator('#speedup-chart rect.bar')
        .first()
        .evaluate((e) => (globalThis as unknown as { getComputedStyle(el: unknown): { fill: string } }).getComputedStyle(e).fill);
      expect(colour).toBe('rgb(37, 99, 235)');
      await expect(page.locator('td', { hasText: 'not benchmarked here: needs an NVIDIA GPU' }).count()).resolves.toBe(1);
    } finally {
      await browser.close();
    }
  });
});

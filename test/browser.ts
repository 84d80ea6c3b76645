/**
 * Opens a report.html in headless Chromium (Debian's package, found by harness/provision/chromium.ts; `npm test`'s
 * pretest installs it where missing) through playwright-core, and reads back what a person would see.
 */

import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { HEADLESS_FLAGS, resolveChromium } from '../harness/provision/chromium.ts';

/** What the page showed. */
export interface RenderedPage {
  /** One per `figure.chart`: its data-chart id, the number of SVG elements drawn, and the SVG's size in px. */
  charts: { id: string; svgElements: number; width: number; height: number; tableRows: number }[];
  /** console.error messages and uncaught page errors. */
  errors: string[];
  /** Requests for anything but the file itself (a self-contained page makes none). */
  externalRequests: string[];
  /** `<img>` and `<script>` elements in the page (the report has none; an unescaped name could add one). */
  injected: number;
  /** The page's visible text. */
  text: string;
}

/**
 * Loads `file` in headless Chromium, saves a full-page screenshot to `screenshotPath`, and returns what rendered.
 * @throws {BenchError} CHROMIUM_UNAVAILABLE when no Chromium is installed.
 */
export async function renderInChromium(file: string, screenshotPath: string): Promise<RenderedPage> {
  const { path: executablePath } = await resolveChromium();
  const browser = await chromium.launch({
    executablePath,
    args: HEADLESS_FLAGS.filter((f) => f !== '--headless'),
    timeout: 60_000,
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    const errors: string[] = [];
    const externalRequests: string[] = [];
    const url = pathToFileURL(file).href;
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    page.on('pageerror', (e) => void errors.push(e.message));
    page.on('request', (r) => void (r.url() !== url && externalRequests.push(r.url())));
    await page.goto(url, { waitUntil: 'load', timeout: 60_000 });
    const charts = await page.$$eval('figure.chart', (figs) =>
      figs.map((f) => {
        const svg = f.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return {
          id: f.getAttribute('data-chart') ?? '',
          svgElements: svg ? svg.querySelectorAll('path, rect, text, line, circle, polyline').length : 0,
          width: box?.width ?? 0,
          height: box?.height ?? 0,
          tableRows: f.querySelectorAll('details table tbody tr').length,
        };
      }),
    );
    const injected = await page.$$eval('img, script, iframe', (els) => els.length);
    // The text as a reader sees it (layout-aware), not the DOM's textContent.
    const text = await page.innerText('body');
    await page.screenshot({ path: screenshotPath, fullPage: true });
    return { charts, errors, externalRequests, injected, text };
  } finally {
    await browser.close();
  }
}

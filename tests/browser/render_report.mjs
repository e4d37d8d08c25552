// render_report.mjs: opens a report page (one self-contained HTML file)
// from localhost in headless Chromium through playwright-core, saves a
// full-page PNG, and prints JSON: the share of the map's pixels that are
// not its white background, the page's console errors and page errors, any
// request besides the page itself (a report must make none), whether a
// CJK font renders the page's Chinese text, and the page's scroll width.
//   node render_report.mjs PAGE.html OUT.png [PAGE2.html OUT2.png ...]
// One browser for all pages (a launch costs seconds); a JSON line per page.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { launchChromium } from './chromium.mjs';

const args = process.argv.slice(2);
let html = null; // the page being rendered
const server = createServer((req, res) => {
  if (req.url === '/report.html' && html) {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': html.length });
    res.end(html);
  } else {
    res.writeHead(404);
    res.end();
  }
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const url = `http://127.0.0.1:${server.address().port}/report.html`;
const chrome = await launchChromium({ width: 1000, height: 800 });
const browser = chrome.context;
const results = [];
try {
  for (let a = 0; a + 1 < args.length; a += 2) {
    const [file, png] = [args[a], args[a + 1]];
    html = readFileSync(file);
    const p = await browser.newPage();
    const errors = [], requests = [];
    p.on('pageerror', (e) => errors.push(String(e)));
    p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    p.on('request', (r) => { if (r.url() !== url) requests.push(r.url()); });
    await p.goto(url, { waitUntil: 'load' });
    await p.screenshot({ path: png, fullPage: true });
    const map = p.locator('section.map svg');
    const maps = await map.count();
    let share = 0, box = null;
    if (maps) {
      box = await map.first().boundingBox();
      // the map area only (the legend below it is drawn on white too)
      const area = await map.first().evaluate((svg) => {
        const r = svg.querySelector('rect.map-area');
        const b = r.getBoundingClientRect();
        return { x: b.x + window.scrollX, y: b.y + window.scrollY, width: b.width, height: b.height };
      });
      const shot = await p.screenshot({ clip: area, fullPage: true });
      share = await p.evaluate(async (b64) => {
        const img = new Image();
        img.src = 'data:image/png;base64,' + b64;
        await img.decode();
        const c = document.createElement('canvas');
        c.width = img.width; c.height = img.height;
        const ctx = c.getContext('2d');
        ctx.drawImage(img, 0, 0);
        const px = ctx.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < px.length; i += 4)
          if (px[i] < 235 || px[i + 1] < 235 || px[i + 2] < 235) n++;
        return n / (px.length / 4);
      }, shot.toString('base64'));
    }
    const cjk = await p.evaluate(() => document.fonts.check('16px "Noto Sans CJK SC"', '深圳用地'));
    const tables = await p.locator('table').count();
    // nothing wider than the window (long JSON or messages must wrap)
    const width = await p.evaluate(() => document.documentElement.scrollWidth);
    results.push({ share, maps, box, errors, requests, cjk, tables, width });
    await p.close();
  }
} finally {
  await chrome.close();
  server.close();
}
for (const r of results) console.log(JSON.stringify(r));

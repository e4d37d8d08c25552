// render.mjs: serves a directory on localhost (with HTTP byte ranges, which
// the pmtiles protocol needs), opens PAGE in headless Chromium through
// playwright-core, waits for MapLibre GL JS to finish drawing, and prints
// JSON: the share of canvas pixels that are not the white background and
// the features MapLibre decoded per source layer.
//   node render.mjs DIR PAGE [LAYER...]
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { join, extname } from 'node:path';
import { launchChromium } from './chromium.mjs';

const [dir, page, ...layers] = process.argv.slice(2);
const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };

const server = createServer((req, res) => {
  const path = join(dir, decodeURIComponent(new URL(req.url, 'http://x').pathname));
  let st;
  try { st = statSync(path); } catch { res.writeHead(404); res.end(); return; }
  if (!st.isFile()) { res.writeHead(404); res.end(); return; }
  const headers = { 'Content-Type': types[extname(path)] || 'application/octet-stream', 'Accept-Ranges': 'bytes' };
  const m = /bytes=(\d+)-(\d*)/.exec(req.headers.range || '');
  if (m) {
    const a = Number(m[1]), b = m[2] ? Math.min(Number(m[2]), st.size - 1) : st.size - 1;
    res.writeHead(206, { ...headers, 'Content-Range': `bytes ${a}-${b}/${st.size}`, 'Content-Length': b - a + 1 });
    createReadStream(path, { start: a, end: b }).pipe(res);
  } else {
    res.writeHead(200, { ...headers, 'Content-Length': st.size });
    createReadStream(path).pipe(res);
  }
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const url = `http://127.0.0.1:${server.address().port}/${page}`;

const chrome = await launchChromium();
const browser = chrome.context;
let result;
try {
  const p = await browser.newPage();
  const errors = [];
  p.on('pageerror', (e) => errors.push(String(e)));
  await p.goto(url);
  await p.waitForFunction(() => window.cimIdle === true, null, { timeout: 90000 });
  result = await p.evaluate((layers) => {
    const gl = window.map.getCanvas();
    const c = document.createElement('canvas');
    c.width = gl.width; c.height = gl.height;
    const ctx = c.getContext('2d');
    ctx.drawImage(gl, 0, 0);
    const px = ctx.getImageData(0, 0, c.width, c.height).data;
    let drawn = 0;
    for (let i = 0; i < px.length; i += 4)
      if (px[i] < 245 || px[i + 1] < 245 || px[i + 2] < 245) drawn++;
    const features = {};
    for (const l of layers) {
      const ids = new Set(window.map.querySourceFeatures('cim', { sourceLayer: l }).map((f) => f.id));
      features[l] = ids.size;
    }
    return { pixels: c.width * c.height, drawn, share: drawn / (c.width * c.height), features };
  }, layers);
  result.errors = errors;
  await p.screenshot({ path: join(dir, 'screenshot.png') });
} finally {
  await chrome.close();
  server.close();
}
console.log(JSON.stringify(result));

// cesium.mjs: a real 3D Tiles client. Serves a tileset directory under
// /tiles/ and CesiumJS's Build/Cesium under /cesium/ on localhost, opens a
// page in headless Chromium (playwright-core) that loads
// /tiles/tileset.json with Cesium3DTileset.fromUrl on a black scene with no
// globe, imagery or terrain (nothing from the network), looks at LON,LAT
// from RANGE metres, waits until every tile in view is loaded, and prints
// JSON: the share of canvas pixels that are not the black background, the
// features of the loaded tiles, the first feature's ID property as CesiumJS
// reads it from EXT_structural_metadata, and the page's errors.
//   node cesium.mjs TILESET_DIR LON LAT RANGE ID_PROPERTY SCREENSHOT.png
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { join, extname, normalize } from 'node:path';
import { launchChromium } from './chromium.mjs';

const cesiumDir = join(process.env.CIM_NODE_DIR, 'node_modules/cesium/Build/Cesium');
const [dir, lon, lat, range, idProp, shot] = process.argv.slice(2);
const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json',
                '.glb': 'model/gltf-binary', '.wasm': 'application/wasm' };

const page = `<!doctype html><html><head><meta charset="utf-8">
<script>window.CESIUM_BASE_URL = '/cesium/';</script>
<script src="/cesium/Cesium.js"></script>
<link href="/cesium/Widgets/widgets.css" rel="stylesheet">
<style>html, body, #c { margin: 0; width: 100%; height: 100%; overflow: hidden; }</style></head>
<body><div id="c"></div><script>
(async () => {
  try {
    const viewer = new Cesium.Viewer('c', {
      globe: false, baseLayer: false, baseLayerPicker: false, geocoder: false, timeline: false,
      animation: false, homeButton: false, sceneModePicker: false, navigationHelpButton: false,
      fullscreenButton: false, infoBox: false, selectionIndicator: false, skyBox: false,
      skyAtmosphere: false, contextOptions: { webgl: { preserveDrawingBuffer: true } } });
    const scene = viewer.scene;
    scene.backgroundColor = Cesium.Color.BLACK;
    if (scene.sun) scene.sun.show = false;
    if (scene.moon) scene.moon.show = false;
    scene.fog.enabled = false;
    const ts = await Cesium.Cesium3DTileset.fromUrl('/tiles/tileset.json');
    scene.primitives.add(ts);
    scene.camera.lookAt(Cesium.Cartesian3.fromDegrees(${lon}, ${lat}, 0),
                        new Cesium.HeadingPitchRange(0, -0.8, ${range}));
    let quiet = 0;
    scene.postRender.addEventListener(() => {
      quiet = ts.tilesLoaded ? quiet + 1 : 0;
      if (quiet < 20 || window.cimDone) return;
      let features = 0, first = null;
      const walk = (t) => {
        if (t.contentReady && t.content && t.content.featuresLength) {
          features += t.content.featuresLength;
          if (first === null) first = String(t.content.getFeature(0).getProperty('${idProp}'));
        }
        t.children.forEach(walk);
      };
      walk(ts.root);
      window.cimResult = { features, first };
      window.cimDone = true;
    });
  } catch (e) {
    window.cimResult = { features: -1, first: null, error: String(e) };
    window.cimDone = true;
  }
})();
</script></body></html>`;

const server = createServer((req, res) => {
  const p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  if (p === '/' || p === '/index.html') {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(page);
    return;
  }
  let path = null;
  if (p.startsWith('/cesium/')) path = join(cesiumDir, normalize(p.slice(8)));
  else if (p.startsWith('/tiles/')) path = join(dir, normalize(p.slice(7)));
  let st;
  try { st = statSync(path); } catch { res.writeHead(404); res.end(); return; }
  if (!st.isFile()) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { 'Content-Type': types[extname(path)] || 'application/octet-stream', 'Content-Length': st.size });
  createReadStream(path).pipe(res);
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const url = `http://127.0.0.1:${server.address().port}/index.html`;

const chrome = await launchChromium();
const browser = chrome.context;
let result;
try {
  const p = await browser.newPage();
  const errors = [], external = [];
  p.on('pageerror', (e) => errors.push(String(e)));
  p.on('console', (m) => { if (m.type() === 'error' && !/status of 404/.test(m.text())) errors.push(m.text()); });
  // a missing file is an error unless it is the favicon the browser asks for by itself
  p.on('response', (r) => { if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) errors.push(`${r.status()} ${r.url()}`); });
  p.on('request', (r) => { if (!r.url().startsWith('http://127.0.0.1')) external.push(r.url()); });
  await p.goto(url);
  await p.waitForFunction(() => window.cimDone === true, null, { timeout: 240000 });
  result = await p.evaluate(() => {
    const gl = document.querySelector('#c canvas');
    const c = document.createElement('canvas');
    c.width = gl.width; c.height = gl.height;
    const ctx = c.getContext('2d');
    ctx.drawImage(gl, 0, 0);
    const px = ctx.getImageData(0, 0, c.width, c.height).data;
    let drawn = 0;
    for (let i = 0; i < px.length; i += 4)
      if (px[i] > 40 || px[i + 1] > 40 || px[i + 2] > 40) drawn++;
    return { ...window.cimResult, pixels: c.width * c.height, drawn, share: drawn / (c.width * c.height) };
  });
  result.errors = errors;
  result.external = external;
  await p.screenshot({ path: shot });
} finally {
  await chrome.close();
  server.close();
}
console.log(JSON.stringify(result));

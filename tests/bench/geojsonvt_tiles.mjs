// geojsonvt_tiles.mjs: the JavaScript peer of bench_tiles.sh. Mapbox's
// geojson-vt (the tiler behind GeoJSON sources in Mapbox GL and MapLibre GL)
// slices a GeoJSON file into tiles, vt-pbf encodes each as MVT 2.1 and zlib
// gzips it, as cim stores tiles in MBTiles and PMTiles. Every tile of zooms
// MINZ..MAXZ over the data's bounds is asked for; geojson-vt has no size or
// feature limits, so it drops nothing.
//   node geojsonvt_tiles.mjs FILE.geojson LAYER MINZ MAXZ  ->  "tiles bytes largest"
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const require = createRequire(new URL('../node/package.json', import.meta.url));
const geojsonvt = require('geojson-vt').default ?? require('geojson-vt');
const vtpbf = require('vt-pbf');

const [file, layer, minz, maxz] = process.argv.slice(2);
const data = JSON.parse(readFileSync(file, 'utf8'));
const index = geojsonvt(data, { maxZoom: Number(maxz), buffer: 64, extent: 4096 });

let west = 180, south = 90, east = -180, north = -90;
const visit = (c) => {
  if (typeof c[0] === 'number') {
    west = Math.min(west, c[0]); east = Math.max(east, c[0]);
    south = Math.min(south, c[1]); north = Math.max(north, c[1]);
  } else c.forEach(visit);
};
for (const f of data.features) visit(f.geometry.coordinates);

const tileX = (lon, z) => Math.floor(((lon + 180) / 360) * 2 ** z);
const tileY = (lat, z) => {
  const r = (lat * Math.PI) / 180;
  return Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * 2 ** z);
};
let tiles = 0, bytes = 0, largest = 0;
for (let z = Number(minz); z <= Number(maxz); z++) {
  for (let x = tileX(west, z); x <= tileX(east, z); x++) {
    for (let y = tileY(north, z); y <= tileY(south, z); y++) {
      const t = index.getTile(z, x, y);
      if (!t || !t.features.length) continue;
      const gz = gzipSync(vtpbf.fromGeojsonVt({ [layer]: t }, { version: 2, extent: 4096 }));
      tiles++;
      bytes += gz.length;
      largest = Math.max(largest, gz.length);
    }
  }
}
console.log(`${tiles} ${bytes} ${largest}`);

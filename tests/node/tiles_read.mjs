// tiles_read.mjs: reads cim's tile output with the reference JavaScript
// readers (the `pmtiles` package, @mapbox/vector-tile on pbf), for the tests.
//   node tiles_read.mjs header ARCHIVE.pmtiles      -> header + metadata JSON
//   node tiles_read.mjs tile ARCHIVE.pmtiles Z X Y  -> the decoded tile as JSON
//   node tiles_read.mjs pbf FILE.pbf Z X Y          -> a raw (uncompressed) MVT file decoded
//   node tiles_read.mjs points FILE.pbf LAYER PROP  -> [[x, y, PROP], ...]: each feature's
//                                                      first point (fast, for big tiles)
//   node tiles_read.mjs digest ARCHIVE.pmtiles      -> "z/x/y sha256" of every tile the
//                                                      archive holds within its bounds
import { createRequire } from 'node:module';
import { openSync, readSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { PMTiles } from 'pmtiles';

const require = createRequire(import.meta.url);
const { VectorTile } = require('@mapbox/vector-tile');
const Protobuf = require('pbf');

class FileSource {
  constructor(path) { this.path = path; this.fd = openSync(path, 'r'); }
  getKey() { return this.path; }
  async getBytes(offset, length) {
    const buf = Buffer.alloc(length);
    const n = readSync(this.fd, buf, 0, length, offset);
    return { data: buf.buffer.slice(buf.byteOffset, buf.byteOffset + n) };
  }
}

function decode(bytes, z, x, y) {
  const vt = new VectorTile(new Protobuf(bytes));
  const out = {};
  for (const name of Object.keys(vt.layers)) {
    const l = vt.layers[name];
    const feats = [];
    for (let i = 0; i < l.length; i++) {
      const f = l.feature(i);
      const geom = f.loadGeometry();
      feats.push({ id: f.id, type: f.type, properties: f.properties, rings: geom.length,
                   points: geom.reduce((a, r) => a + r.length, 0), first: [geom[0][0].x, geom[0][0].y],
                   geojson: z === undefined ? undefined : f.toGeoJSON(x, y, z).geometry.type });
    }
    out[name] = { extent: l.extent, version: l.version, features: feats };
  }
  return out;
}

const [cmd, path, ...rest] = process.argv.slice(2);
if (cmd === 'header') {
  const p = new PMTiles(new FileSource(path));
  const h = await p.getHeader();
  const m = await p.getMetadata();
  console.log(JSON.stringify({ header: h, metadata: m }));
} else if (cmd === 'tile') {
  const [z, x, y] = rest.map(Number);
  const p = new PMTiles(new FileSource(path));
  const t = await p.getZxy(z, x, y);
  console.log(JSON.stringify(t ? decode(new Uint8Array(t.data), z, x, y) : null));
} else if (cmd === 'pbf') {
  const [z, x, y] = rest.map(Number);
  console.log(JSON.stringify(decode(new Uint8Array(readFileSync(path)), z, x, y)));
} else if (cmd === 'points') {
  const [layer, prop] = rest;
  const l = new VectorTile(new Protobuf(new Uint8Array(readFileSync(path)))).layers[layer];
  const out = [];
  for (let i = 0; l && i < l.length; i++) {
    const f = l.feature(i);
    const p = f.loadGeometry()[0][0];
    out.push([p.x, p.y, f.properties[prop]]);
  }
  console.log(JSON.stringify(out));
} else if (cmd === 'digest') {
  // Every tile in the header's bounds at every zoom, by the reader's own
  // lookup: two archives of the same tiles give the same lines, whatever
  // their metadata says.
  const p = new PMTiles(new FileSource(path));
  const h = await p.getHeader();
  const tx = (lon, z) => Math.floor(((lon + 180) / 360) * 2 ** z);
  const ty = (lat, z) => {
    const r = (lat * Math.PI) / 180;
    return Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * 2 ** z);
  };
  for (let z = h.minZoom; z <= h.maxZoom; z++) {
    for (let x = tx(h.minLon, z); x <= tx(h.maxLon, z); x++) {
      for (let y = ty(h.maxLat, z); y <= ty(h.minLat, z); y++) {
        const t = await p.getZxy(z, x, y);
        if (t)
          console.log(`${z}/${x}/${y} ${createHash('sha256').update(new Uint8Array(t.data)).digest('hex')}`);
      }
    }
  }
} else {
  console.error('usage: tiles_read.mjs header|tile|pbf|points|digest FILE [Z X Y | LAYER PROP]');
  process.exit(2);
}

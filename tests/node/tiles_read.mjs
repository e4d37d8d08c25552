// tiles_read.mjs: reads cim's tile output with the reference JavaScript
// readers (the `pmtiles` package, @mapbox/vector-tile on pbf), for the tests.
//   node tiles_read.mjs header ARCHIVE.pmtiles      -> header + metadata JSON
//   node tiles_read.mjs tile ARCHIVE.pmtiles Z X Y  -> the decoded tile as JSON
//   node tiles_read.mjs pbf FILE.pbf Z X Y          -> a raw (uncompressed) MVT file decoded
//   node tiles_read.mjs points FILE.pbf LAYER PROP  -> [[x, y, PROP], ...]: each feature's
//                                                      first point (fast, for big tiles)
import { createRequire } from 'node:module';
import { openSync, readSync, readFileSync } from 'node:fs';
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
} else {
  console.error('usage: tiles_read.mjs header|tile|pbf|points FILE [Z X Y | LAYER PROP]');
  process.exit(2);
}

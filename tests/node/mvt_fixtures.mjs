// mvt_fixtures.mjs: @mapbox/mvt-fixtures as a peer suite for cim's MVT
// encoder. For every fixture valid under MVT v2 that @mapbox/vector-tile
// decodes, its layers and features (ids, types, properties, geometry) are
// written as a plain-text list, encoded by ENCODER (tests/unit/mvt_encode_spec.c,
// on formats/mvt), decoded again, and compared feature by feature.
// Layers without features are left out of the comparison: cim's encoder
// writes no empty layers. Prints "N passed, N failed"; exit 1 on any failure.
//   node mvt_fixtures.mjs ENCODER
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, 'package.json'));
const { VectorTile } = require('@mapbox/vector-tile');
const Protobuf = require('pbf');
const root = join(dirname(require.resolve('@mapbox/mvt-fixtures/package.json')), 'fixtures');
const encoder = process.argv[2];
const hex = (s) => Buffer.from(String(s), 'utf8').toString('hex');

function read(bytes) {
  const vt = new VectorTile(new Protobuf(bytes));
  const layers = {};
  for (const name of Object.keys(vt.layers)) {
    const l = vt.layers[name];
    if (!l.length) continue;
    const feats = [];
    for (let i = 0; i < l.length; i++) {
      const f = l.feature(i);
      feats.push({ id: f.id, type: f.type, properties: f.properties,
                   geometry: f.loadGeometry().map((r) => r.map((p) => [p.x, p.y])) });
    }
    layers[name] = { extent: l.extent, features: feats };
  }
  return layers;
}

function spec(layers) {
  const out = [];
  for (const [name, l] of Object.entries(layers)) {
    out.push(`L ${l.extent} ${hex(name)}`);
    for (const f of l.features) {
      out.push(`F ${f.type} ${f.id === undefined ? '-' : f.id}`);
      for (const [k, v] of Object.entries(f.properties)) {
        if (typeof v === 'string') out.push(`P ${hex(k)} s ${hex(v)}`);
        else if (typeof v === 'boolean') out.push(`P ${hex(k)} b ${v ? 1 : 0}`);
        else if (Number.isInteger(v) && Math.abs(v) < 2 ** 53) out.push(`P ${hex(k)} ${v < 0 ? 'i' : 'u'} ${v}`);
        else out.push(`P ${hex(k)} d ${v}`);
      }
      const parts = f.type === 2 || f.type === 3 ? f.geometry : [f.geometry.flat()];
      for (const r of parts) out.push(`R ${r.length} ${r.map((p) => p.join(' ')).join(' ')}`);
    }
  }
  return out.join('\n') + '\n';
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const work = mkdtempSync(join(tmpdir(), 'cim-mvt-fixtures-'));
let passed = 0, failed = 0, skipped = 0;
try {
  for (const id of readdirSync(root).sort()) {
    const info = JSON.parse(readFileSync(join(root, id, 'info.json'), 'utf8'));
    if (!info.validity || info.validity.v2 !== true) { skipped++; continue; }
    let ref;
    try { ref = read(readFileSync(join(root, id, 'tile.mvt'))); } catch { skipped++; continue; }
    writeFileSync(join(work, 'spec.txt'), spec(ref));
    try {
      execFileSync(encoder, [join(work, 'spec.txt'), join(work, 'out.mvt')]);
    } catch (e) {
      failed++; console.log(`FAIL: fixture ${id}: the encoder failed`); continue;
    }
    const ours = read(readFileSync(join(work, 'out.mvt')));
    if (same(ref, ours)) passed++;
    else { failed++; console.log(`FAIL: fixture ${id}: ${JSON.stringify(ref).slice(0, 300)} != ${JSON.stringify(ours).slice(0, 300)}`); }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed (${skipped} fixtures invalid under v2 or undecodable, not compared)`);
process.exit(failed || !passed ? 1 : 0);

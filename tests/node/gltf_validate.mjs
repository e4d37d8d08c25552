// gltf_validate.mjs: Khronos glTF-Validator (npm gltf-validator) over GLB
// files. Usage: node gltf_validate.mjs FILE.glb...  Prints one JSON line:
// {"files":N,"errors":N,"warnings":N,"infos":N,"codes":{code:count}} with the
// message codes seen (errors and warnings), and exits 0 (the caller decides).
import { readFileSync } from 'node:fs';
import validator from 'gltf-validator';

const files = process.argv.slice(2);
const out = { files: 0, errors: 0, warnings: 0, infos: 0, codes: {}, first: null };
for (const f of files) {
  const report = await validator.validateBytes(new Uint8Array(readFileSync(f)), {
    uri: f,
    maxIssues: 100,
    externalResourceFunction: () => Promise.reject(new Error('no external resources')),
  });
  out.files++;
  out.errors += report.issues.numErrors;
  out.warnings += report.issues.numWarnings;
  out.infos += report.issues.numInfos;
  for (const m of report.issues.messages) {
    if (m.severity > 1) continue; // 0 error, 1 warning
    out.codes[m.code] = (out.codes[m.code] || 0) + 1;
    if (!out.first) out.first = `${f}: ${m.code} ${m.message} at ${m.pointer || ''}`;
  }
}
console.log(JSON.stringify(out));

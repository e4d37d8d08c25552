// chromium.mjs: what the browser tests share: Debian's Chromium, headless,
// through playwright-core (from tests/node, found by CIM_NODE_DIR), in a
// fresh profile directory with nothing that could reach the network by
// itself; WebGL through SwiftShader, since the test machines have no GPU.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';

const require = createRequire(process.env.CIM_NODE_DIR + '/package.json');
const { chromium } = require('playwright-core');

// Starts Chromium; close() ends it and removes its profile.
export async function launchChromium(viewport = { width: 800, height: 600 }) {
  const profile = mkdtempSync(join(tmpdir(), 'cim-chromium-'));
  // playwright passes the profile directory as --user-data-dir
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync',
           '--enable-unsafe-swiftshader', '--use-angle=swiftshader'],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

// Launches Debian's Chromium (never a downloaded browser) headless through playwright-core, with
// WebGPU on SwiftShader, no background traffic and a fresh profile that is deleted on close.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Where Debian's `chromium` package puts the browser; override with OBJSEL_CHROMIUM. */
export const CHROMIUM_PATH = process.env.OBJSEL_CHROMIUM || '/usr/bin/chromium';

/** Flags: WebGPU on the SwiftShader adapter, and nothing that talks to the network by itself. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Why Chromium cannot run here, or undefined when it can. */
export function chromiumUnavailableReason() {
  if (!fs.existsSync(CHROMIUM_PATH)) return `${CHROMIUM_PATH} not found (run tools/setup-system.sh as root)`;
  return undefined;
}

/**
 * Starts headless Chromium with a fresh user-data-dir. Resolves to `{ context, close }`; the
 * context is a Playwright persistent BrowserContext.
 *
 * @param {{ headless?: boolean, viewport?: { width: number, height: number }, webgpu?: boolean }} [options]
 *   `webgpu: false` leaves out the WebGPU flags (navigator.gpu then has no adapter), for
 *   fallback tests.
 */
export async function launchChromium(options = {}) {
  const reason = chromiumUnavailableReason();
  if (reason) throw new Error(`cannot launch Chromium: ${reason}`);
  const { chromium } = await import('playwright-core');
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: options.headless ?? true,
    args: options.webgpu === false ? CHROMIUM_ARGS.filter((a) => !/webgpu/.test(a)) : CHROMIUM_ARGS,
    viewport: options.viewport ?? { width: 1280, height: 860 },
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => {});
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

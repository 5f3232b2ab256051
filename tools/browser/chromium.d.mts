import type { BrowserContext } from 'playwright-core';
/** Path of the Chromium binary (OBJSEL_CHROMIUM or /usr/bin/chromium). */
export const CHROMIUM_PATH: string;
/** Launch flags: WebGPU on SwiftShader, no background network traffic. */
export const CHROMIUM_ARGS: readonly string[];
/** Why Chromium cannot run here, or undefined when it can. */
export function chromiumUnavailableReason(): string | undefined;
/** Starts headless Chromium with a fresh profile; `close` also deletes the profile. */
export function launchChromium(options?: {
  headless?: boolean;
  viewport?: { width: number; height: number };
  webgpu?: boolean;
}): Promise<{ context: BrowserContext; close(): Promise<void> }>;

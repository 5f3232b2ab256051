/**
 * Conformance across runtimes: the training step of every case, run in Node on wasm, in headless
 * Chromium on WebGPU (SwiftShader) and in Node on WebGPU through Dawn (Mesa GLES), must give the
 * loss and updated weights of the Node cpu reference within 1e-3. Node WebGPU is skipped, with the reason
 * printed, where Dawn gives no adapter. Diffs are written to test-artifacts/conformance.json.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../../../tools/browser/aliases.mjs';
import { buildNodeEntry, buildPage } from '../../../../tools/browser/build.mjs';
import { chromiumUnavailableReason, launchChromium } from '../../../../tools/browser/chromium.mjs';
import { serveStatic } from '../../../../tools/browser/static-server.mjs';
import { loadBackend } from '../../src/index';
import { CONFORMANCE_CASES, runTrainingStep, type StepResult } from './training-step';
import { compareSteps, decodeStep, type EncodedStepResult, type StepDiff } from './compare';
import type { ConformancePageResult } from './page/main';

const TOLERANCE = 1e-3;
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const HERE = path.dirname(new URL(import.meta.url).pathname);

/** Asserts the documented tolerance on one comparison. */
function expectConformant(diff: StepDiff, reference: StepResult): void {
  expect(diff.maxInitialDiff, `${diff.backend} ${diff.case}: initial weights`).toBe(0);
  expect(diff.maxUpdate, `${diff.case}: the step moves the weights`).toBeGreaterThan(1e-3);
  expect(diff.lossDiff, `${diff.backend} ${diff.case}: loss`).toBeLessThanOrEqual(TOLERANCE * Math.max(1, Math.abs(reference.loss)));
  expect(diff.maxWeightDiff, `${diff.backend} ${diff.case}: updated weights`).toBeLessThanOrEqual(TOLERANCE);
  expect(diff.maxRelativeUpdateDiff, `${diff.backend} ${diff.case}: update (${diff.worstVariable})`).toBeLessThanOrEqual(TOLERANCE);
}

/** Runs a command, collecting stdout; resolves with its exit code. */
function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('training step conformance: Node wasm, browser WebGPU and Node WebGPU vs Node cpu', () => {
  const references = new Map<string, StepResult>();
  const report: Record<string, unknown> = { tolerance: TOLERANCE, cases: CONFORMANCE_CASES.map((c) => c.name) };
  // Inside the repository (gitignored): the Node bundle resolves @tensorflow/* from node_modules.
  fs.mkdirSync(path.join(ROOT, '.objsel-tmp'), { recursive: true });
  const work = fs.mkdtempSync(path.join(ROOT, '.objsel-tmp', 'conformance-'));

  beforeAll(async () => {
    await loadBackend('cpu');
    for (const c of CONFORMANCE_CASES) references.set(c.name, await runTrainingStep(c));
    report.cpu = [...references.values()].map((r) => ({
      case: r.case,
      loss: r.loss,
      stepMs: Math.round(r.stepMs),
      warmStepMs: r.warmStepMs && Math.round(r.warmStepMs),
    }));
  });

  afterAll(() => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    fs.writeFileSync(path.join(ARTIFACTS, 'conformance.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log(`conformance: ${JSON.stringify(report)}`);
    fs.rmSync(work, { recursive: true, force: true });
  });

  it(`Node wasm: within ${TOLERANCE} of cpu`, async () => {
    await loadBackend('wasm');
    const diffs = [];
    for (const c of CONFORMANCE_CASES) {
      const step = await runTrainingStep(c);
      const reference = references.get(c.name)!;
      diffs.push({ diff: compareSteps(reference, step), reference, step });
    }
    report.nodeWasm = {
      diffs: diffs.map(({ diff, step }) => ({
        ...diff,
        stepMs: Math.round(step.stepMs),
        warmStepMs: step.warmStepMs && Math.round(step.warmStepMs),
      })),
    };
    for (const { diff, reference } of diffs) expectConformant(diff, reference);
  });

  const chromiumMissing = chromiumUnavailableReason();
  it.skipIf(chromiumMissing !== undefined)(`headless Chromium, WebGPU on SwiftShader: within ${TOLERANCE} of cpu`, async () => {
    const out = await buildPage({ root: path.join(HERE, 'page'), outDir: path.join(work, 'page') });
    const server = await serveStatic(out);
    const browser = await launchChromium();
    const consoleErrors: string[] = [];
    try {
      const page = await browser.context.newPage();
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(m.text());
      });
      page.on('pageerror', (e) => consoleErrors.push(e.message));
      const t0 = Date.now();
      await page.goto(`${server.url}?backend=webgpu`);
      await page.waitForFunction(() => window.__conformance !== undefined, null, { timeout: 240_000, polling: 500 });
      const result = (await page.evaluate(() => window.__conformance)) as ConformancePageResult;
      expect(result.error).toBeUndefined();
      expect(result.backend).toBe('webgpu');
      const diffs = result.results.map((encoded: EncodedStepResult) => {
        const step = decodeStep(encoded);
        const reference = references.get(step.case)!;
        return { diff: compareSteps(reference, step), reference, step };
      });
      report.chromiumWebgpu = {
        adapter: result.adapter,
        pageMs: Date.now() - t0,
        diffs: diffs.map(({ diff, step }) => ({
          ...diff,
          stepMs: Math.round(step.stepMs),
          warmStepMs: step.warmStepMs && Math.round(step.warmStepMs),
        })),
      };
      expect(result.adapter?.architecture).toBe('swiftshader');
      expect(diffs.map((d) => d.diff.case)).toEqual(CONFORMANCE_CASES.map((c) => c.name));
      for (const { diff, reference } of diffs) expectConformant(diff, reference);
      expect(consoleErrors).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
    }
  });

  it('Node WebGPU (Dawn on Mesa GLES, compatibility adapter): within 1e-3 of cpu, or skipped with the reason', async (ctx) => {
    const entry = await buildNodeEntry({ entry: path.join(HERE, 'node-webgpu.ts'), outDir: path.join(work, 'node') });
    const preload = path.join(ROOT, 'tools/browser/webgpu-preload.mjs');
    const { code, stdout, stderr } = await run(
      process.execPath,
      ['--import', preload, entry],
      { ...process.env, EGL_PLATFORM: 'surfaceless' },
      240_000,
    );
    const last = stdout.trim().split('\n').pop() ?? '';
    let parsed: { backend?: string; results?: EncodedStepResult[]; skipped?: string; error?: string };
    try {
      parsed = JSON.parse(last) as typeof parsed;
    } catch {
      parsed = { skipped: `the Node WebGPU process printed no result (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}` };
    }
    if (parsed.skipped !== undefined) {
      report.nodeWebgpu = { skipped: parsed.skipped };
      console.log(`SKIP Node WebGPU conformance: ${parsed.skipped}`);
      ctx.skip(parsed.skipped);
      return;
    }
    expect(parsed.error).toBeUndefined();
    expect(code).toBe(0);
    expect(parsed.backend).toBe('webgpu');
    const diffs = parsed.results!.map((encoded) => {
      const step = decodeStep(encoded);
      return { diff: compareSteps(references.get(step.case)!, step), step };
    });
    report.nodeWebgpu = {
      diffs: diffs.map(({ diff, step }) => ({
        ...diff,
        stepMs: Math.round(step.stepMs),
        warmStepMs: step.warmStepMs && Math.round(step.warmStepMs),
      })),
    };
    expect(diffs.map((d) => d.diff.case)).toEqual(CONFORMANCE_CASES.map((c) => c.name));
    for (const { diff } of diffs) expectConformant(diff, references.get(diff.case)!);
  });
});

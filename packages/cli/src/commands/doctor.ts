import { createRequire } from 'node:module';
import type { Command } from 'commander';
import type { CliContext } from '../context';
import { withExamples } from '../examples';

/** Packages `doctor` reports on, with why they matter. */
const OPTIONAL_PACKAGES: Array<[string, string]> = [
  ['@tensorflow/tfjs-node-gpu', "backend 'tensorflow' on CUDA 11.2 + cuDNN 8.1"],
  ['@tensorflow/tfjs-node', "backend 'tensorflow' on the CPU"],
  ['@tensorflow/tfjs-backend-webgpu', "backend 'webgpu'"],
  ['@tensorflow/tfjs-backend-wasm', "backend 'wasm'"],
  ['webgpu', "backend 'webgpu' in Node (Dawn)"],
  ['sharp', 'fast JPEG/PNG decoding in Node'],
];

function installedVersion(name: string): string | undefined {
  const require = createRequire(import.meta.url);
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return undefined;
  }
}

/** `objsel doctor`: what this machine can run, and what to install for more. */
export function registerDoctor(program: Command, context: () => CliContext): void {
  const cmd = program
    .command('doctor')
    .description('report the runtime, installed optional packages and the backend --backend selects')
    .action(async () => {
      const ctx = context();
      const packages = OPTIONAL_PACKAGES.map(([name, purpose]) => ({ name, purpose, version: installedVersion(name) ?? null }));
      let backend: string | null = null;
      let backendError: string | null = null;
      try {
        backend = await ctx.useBackend();
      } catch (error) {
        backendError = (error as Error).message;
      }
      const report = {
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
        tfjs: installedVersion('@tensorflow/tfjs-core') ?? null,
        requestedBackend: ctx.options.backend,
        backend,
        backendError,
        packages,
      };
      ctx.result(report, () =>
        [
          `node      ${report.node} (${report.platform})`,
          `tfjs      ${report.tfjs ?? 'not installed'}`,
          `backend   ${backend ?? `unavailable: ${backendError}`} (requested ${report.requestedBackend})`,
          '',
          ...packages.map((p) => `${(p.version ?? 'missing').padEnd(10)}${p.name.padEnd(34)}${p.purpose}`),
        ].join('\n'),
      );
      if (!backend) process.exitCode = 2;
    });
  withExamples(cmd, ['objsel doctor', 'objsel doctor --backend wasm --json']);
}

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../context';
import { withExamples } from '../examples';

/** The version every @tensorflow package must have: the installed tfjs-core's. */
const tfjsVersion = (): string => installedVersion('@tensorflow/tfjs-core') ?? '4.22.0';

const SETUP_SCRIPT = 'bash tools/setup-tfjs-node.sh (objsel repository)';

/** Packages `doctor` reports on: why they matter and how to install them when missing. */
const OPTIONAL_PACKAGES: Array<{ name: string; purpose: string; install: () => string }> = [
  {
    name: '@tensorflow/tfjs-node-gpu',
    purpose: "backend 'tensorflow' on CUDA 11.2 + cuDNN 8.1",
    install: () => `npm install @tensorflow/tfjs-node-gpu@${tfjsVersion()} (where it cannot download its binding: ${SETUP_SCRIPT})`,
  },
  {
    name: '@tensorflow/tfjs-node',
    purpose: "backend 'tensorflow' on the CPU",
    install: () => `npm install @tensorflow/tfjs-node@${tfjsVersion()} (where it cannot download its binding: ${SETUP_SCRIPT})`,
  },
  {
    name: '@tensorflow/tfjs-backend-webgpu',
    purpose: "backend 'webgpu'",
    install: () => `npm install @tensorflow/tfjs-backend-webgpu@${tfjsVersion()}`,
  },
  {
    name: '@tensorflow/tfjs-backend-wasm',
    purpose: "backend 'wasm'",
    install: () => `npm install @tensorflow/tfjs-backend-wasm@${tfjsVersion()}`,
  },
  {
    name: 'webgpu',
    purpose: "backend 'webgpu' in Node (Dawn)",
    install: () => `npm install webgpu @tensorflow/tfjs-backend-webgpu@${tfjsVersion()}`,
  },
  {
    name: 'onnxruntime-node',
    purpose: '--backend onnx: ONNX Runtime for infer, evaluate, select and noc',
    install: () => 'npm install onnxruntime-node',
  },
  { name: 'sharp', purpose: 'fast JPEG/PNG decoding in Node', install: () => 'npm install sharp' },
];

/**
 * The installed version of a package, found where Node would look for it (`node_modules` up from
 * here): its package.json is read as a file, because some packages (sharp) do not export it.
 */
function installedVersion(name: string): string | undefined {
  const require = createRequire(import.meta.url);
  for (const dir of require.resolve.paths(name) ?? []) {
    const manifest = path.join(dir, name, 'package.json');
    if (fs.existsSync(manifest)) return (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string }).version;
  }
  return undefined;
}

/** `onnx (onnxruntime-node <version>)` when ONNX Runtime loads (its loader's one-line message otherwise). */
async function onnxBackend(): Promise<string> {
  const { loadOnnxRuntime, ONNX_RUNTIME_NODE } = await import('@objsel/deeplab-resnet/onnx');
  await loadOnnxRuntime();
  return `onnx (${ONNX_RUNTIME_NODE} ${installedVersion(ONNX_RUNTIME_NODE) ?? ''})`.replace(' )', ')');
}

/** Whether a tfjs-node package has its native binding (what its install script downloads). */
interface TensorflowSetup {
  /** `@tensorflow/tfjs-node` or `-gpu`, whichever is installed (the GPU one first), else null. */
  package: string | null;
  /** The binding found (`lib/napi-v<N>/tfjs_binding.node` in the package), else null. */
  binding: string | null;
  /** `ready`, `no-binding` or `not-installed`. */
  status: 'ready' | 'no-binding' | 'not-installed';
  /** What to do about it (null when ready). */
  hint: string | null;
}

const SETUP_HINT =
  'where its install script cannot download libtensorflow and the binding, build them: bash tools/setup-tfjs-node.sh (objsel repository)';

function tensorflowSetup(): TensorflowSetup {
  const require = createRequire(import.meta.url);
  for (const name of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    let dir: string;
    try {
      dir = path.dirname(require.resolve(`${name}/package.json`));
    } catch {
      continue;
    }
    const lib = path.join(dir, 'lib');
    const found = fs.existsSync(lib)
      ? fs
          .readdirSync(lib)
          .filter((d) => /^napi-v\d+$/.test(d))
          .map((d) => path.join(lib, d, 'tfjs_binding.node'))
          .find((f) => fs.existsSync(f))
      : undefined;
    if (found) return { package: name, binding: found, status: 'ready', hint: null };
    return { package: name, binding: null, status: 'no-binding', hint: `${name} has no native binding: ${SETUP_HINT}` };
  }
  return { package: null, binding: null, status: 'not-installed', hint: `npm install @tensorflow/tfjs-node@4.22.0; ${SETUP_HINT}` };
}

function describeSetup(t: TensorflowSetup): string {
  if (t.status === 'ready') return `${t.package} set up (${t.binding})`;
  return `not set up: ${t.hint}`;
}

/** `objsel doctor`: what this machine can run, and what to install for more. */
export function registerDoctor(program: Command, context: () => CliContext): void {
  const cmd = program
    .command('doctor')
    .description('report the runtime, installed optional packages and the backend --backend selects')
    .action(async () => {
      const ctx = context();
      const packages = OPTIONAL_PACKAGES.map(({ name, purpose, install }) => {
        const version = installedVersion(name) ?? null;
        return { name, purpose, version, install: version ? null : install() };
      });
      let backend: string | null = null;
      let backendError: string | null = null;
      try {
        backend = ctx.onnx ? await onnxBackend() : await ctx.useBackend();
      } catch (error) {
        backendError = (error as Error).message;
      }
      const tensorflow = tensorflowSetup();
      const report = {
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
        tfjs: installedVersion('@tensorflow/tfjs-core') ?? null,
        requestedBackend: ctx.options.backend,
        backend,
        backendError,
        tensorflow,
        packages,
      };
      ctx.result(report, () =>
        [
          `node      ${report.node} (${report.platform})`,
          `tfjs      ${report.tfjs ?? 'not installed'}`,
          `backend   ${backend ?? `unavailable: ${backendError}`} (requested ${report.requestedBackend})`,
          `tfjs-node ${describeSetup(tensorflow)}`,
          '',
          ...packages.flatMap((p) => [
            `${(p.version ?? 'missing').padEnd(10)}${p.name.padEnd(34)}${p.purpose}`,
            ...(p.install ? [`${' '.repeat(10)}install: ${p.install}`] : []),
          ]),
        ].join('\n'),
      );
      if (!backend) process.exitCode = 2;
    });
  withExamples(cmd, ['objsel doctor', 'objsel doctor --backend wasm --json', 'objsel doctor --backend onnx']);
}

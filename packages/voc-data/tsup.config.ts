import { packageConfig } from '../../tools/tsup.shared';

// Two entries: the package (browser-safe) and the loader's worker-thread script (Node only,
// loaded by URL from dist/worker.js, never imported by the index). `shims` gives the CJS build
// an import.meta.url so the loader can find the worker script.
export default { ...packageConfig(['src/index.ts', 'src/worker.ts']), shims: true };

import { packageConfig } from '../../tools/tsup.shared';

// `src/node.ts` imports the core through the package's own name, which stays external so that
// both entries share one copy of the core (one CaffeImportError class for `instanceof`).
export default { ...packageConfig(['src/index.ts', 'src/node.ts']), external: ['@objsel/caffe-import'] };

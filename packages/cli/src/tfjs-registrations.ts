/**
 * The two things `@tensorflow/tfjs` adds on top of `@tensorflow/tfjs-core` that the CLI needs:
 * every kernel's gradient (train, dcsp train, f-BRS and adaptation take gradients) and the
 * chained tensor methods (`x.add(y)`). Depending on them alone instead of `@tensorflow/tfjs`
 * (layers, converter, data, webgl: unused here) cuts the install by over half (issue 16).
 *
 * tfjs-core publishes these as ES modules with extensionless imports in a package Node treats
 * as CommonJS, which Node cannot load; tsup bundles them into the CLI instead (tsup.config.ts),
 * as @tensorflow/tfjs's own Node bundle does. The copy shares the engine and registries with the
 * installed tfjs-core: tfjs-core keeps them in one global namespace.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';

/**
 * `@objsel/dense-crf`: Fully connected CRF (Krähenbühl & Koltun) with the permutohedral lattice, in TypeScript: a pydensecrf for every JavaScript runtime.
 *
 * @packageDocumentation
 */
export { DenseCrfError, type DenseCrfErrorCode } from './errors';

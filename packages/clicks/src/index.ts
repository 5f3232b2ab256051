/**
 * `@objsel/clicks`: Interactive object selection (Xu et al. 2016): click sampling, distance maps, click robot and NoC, graph cut, interactive sessions. Typed arrays only.
 *
 * @packageDocumentation
 */
export { ClicksError, type ClicksErrorCode } from './errors';

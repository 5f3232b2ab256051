import { ClicksError } from '../errors';
import type { RgbImage } from '../types';
import { geodesic, type GeodesicOptions, type GeodesicState } from './geodesic';
import { grabCut, type GrabCutOptions, type GrabCutState } from './grabcut';
import { graphCutColour, type GraphCutColourOptions, type GraphCutColourState } from './graphcut-colour';
import { randomWalker, type RandomWalkerOptions, type RandomWalkerState } from './random-walker';
import type { SelectionInput, SelectionMethod, SelectionResult } from './types';

/** The classic interactive methods by name (the baselines of Xu et al. 2016). */
export const SELECTION_METHOD_NAMES = ['grabcut', 'graphcut-colour', 'random-walker', 'geodesic'] as const;

/** A name of {@link SELECTION_METHOD_NAMES}. */
export type SelectionMethodName = (typeof SELECTION_METHOD_NAMES)[number];

/** The state of any classic method (each carries its `method` name). */
export type SelectionState = GrabCutState | GraphCutColourState | RandomWalkerState | GeodesicState;

/** Options per method, for {@link selectionMethod}. */
export interface SelectionMethodOptions {
  grabcut?: GrabCutOptions;
  'graphcut-colour'?: GraphCutColourOptions;
  'random-walker'?: RandomWalkerOptions;
  geodesic?: GeodesicOptions;
}

/** True when `name` is one of {@link SELECTION_METHOD_NAMES}. */
export function isSelectionMethodName(name: string): name is SelectionMethodName {
  return (SELECTION_METHOD_NAMES as readonly string[]).includes(name);
}

/** A previous state of another method (or none) is dropped: each method starts afresh then. */
function own<S extends SelectionState>(input: SelectionInput<SelectionState>, method: S['method']): SelectionInput<S> {
  const previous = input.previous?.method === method ? (input.previous as S) : undefined;
  return { clicks: input.clicks, box: input.box, previous };
}

/**
 * The method called `name`, with its options, behind the one interface
 * `(image, { clicks, box?, previous? }) => { mask, state }`. Throws a `ClicksError`
 * ('bad-parameter') for an unknown name.
 */
export function selectionMethod(name: string, options: SelectionMethodOptions = {}): SelectionMethod<SelectionState> {
  if (!isSelectionMethodName(name)) {
    throw new ClicksError('bad-parameter', `unknown selection method '${name}' (known: ${SELECTION_METHOD_NAMES.join(', ')})`, {
      where: 'method',
    });
  }
  const lift =
    <S extends SelectionState>(
      run: (image: RgbImage, input: SelectionInput<S>) => SelectionResult<S>,
      method: S['method'],
    ): SelectionMethod<SelectionState> =>
    (image, input) =>
      run(image, own<S>(input, method));
  switch (name) {
    case 'grabcut':
      return lift<GrabCutState>((image, input) => grabCut(image, input, options.grabcut), 'grabcut');
    case 'graphcut-colour':
      return lift<GraphCutColourState>((image, input) => graphCutColour(image, input, options['graphcut-colour']), 'graphcut-colour');
    case 'random-walker':
      return lift<RandomWalkerState>((image, input) => randomWalker(image, input, options['random-walker']), 'random-walker');
    case 'geodesic':
      return lift<GeodesicState>((image, input) => geodesic(image, input, options.geodesic), 'geodesic');
  }
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertNumClasses, imagesAndWeights, numClassesFlag, weightsFlag } from '../src/network-flags';

const stem = fc.stringMatching(/^[a-z0-9_]{1,8}$/);
const imageName = fc.tuple(stem, fc.constantFrom('.jpg', '.JPEG', '.png')).map(([s, e]) => `${s}${e}`);
/** What inference.py's second argument looks like: a directory, model.json, a TF checkpoint prefix. */
const weightsName = fc.oneof(
  stem,
  stem.map((s) => `${s}/model.json`),
  stem.map((s) => `${s}.ckpt-20000`),
);

describe('infer: images and weights', () => {
  it('with --weights or --restore-from, every positional is an image', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(imageName, weightsName), { minLength: 1, maxLength: 5 }),
        weightsName,
        fc.boolean(),
        (args, w, alias) => {
          expect(imagesAndWeights(args, alias ? { restoreFrom: w } : { weights: w })).toEqual({ images: args, weights: w });
        },
      ),
    );
  });

  it("takes inference.py's IMAGE MODEL_WEIGHTS, and refuses several images without --weights", () => {
    fc.assert(
      fc.property(imageName, weightsName, (image, w) => {
        expect(imagesAndWeights([image, w], {})).toEqual({ images: [image], weights: w });
      }),
    );
    fc.assert(
      fc.property(fc.array(imageName, { minLength: 2, maxLength: 5 }), fc.option(weightsName, { nil: undefined }), (images, w) => {
        const args = w === undefined ? images : [...images, w];
        expect(() => imagesAndWeights(args, {})).toThrow(
          new RegExp(`^${args.length} images and no --weights: give the network with --weights`),
        );
      }),
    );
    expect(() => imagesAndWeights(['a.jpg'], {})).toThrow(/give the network with --weights DIR or as the second argument/);
  });

  it('--weights and --restore-from must agree; --num-classes is checked against the weights', () => {
    expect(weightsFlag({ weights: 'a', restoreFrom: 'a' })).toBe('a');
    expect(() => weightsFlag({ weights: 'a', restoreFrom: 'b' })).toThrow('--weights a and --restore-from b name two networks');
    expect(numClassesFlag('21')).toBe(21);
    expect(numClassesFlag(undefined)).toBeUndefined();
    expect(() => numClassesFlag('2.5')).toThrow(/--num-classes/);
    expect(() => assertNumClasses(21, 3, 'w')).toThrow('--num-classes 21 does not match the weights: w has 3 classes');
    expect(() => assertNumClasses(undefined, 3, 'w')).not.toThrow();
    expect(() => assertNumClasses(3, 3, 'w')).not.toThrow();
  });
});

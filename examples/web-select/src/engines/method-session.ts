/**
 * A selection with one of the classic interactive methods of `@objsel/clicks` (GrabCut, graph
 * cut with colour models, random walker, geodesic): no network, no weights. Each click (or a new
 * box) runs the method with every click so far and the previous call's state, so that later
 * clicks refine the earlier result (GrabCut keeps its colour models); undo and reset bring back
 * earlier masks without running anything.
 */
import { selectionMethod, type Box, type Click, type RgbImage, type SelectionMethodName, type SelectionState } from '@objsel/clicks';

/** One state of the selection. */
interface MethodStep {
  clicks: Click[];
  box?: Box;
  mask: Uint8Array;
  state?: SelectionState;
}

/** A classic-method selection over one image; see the module comment. */
export class MethodSession {
  private readonly history: MethodStep[];
  private readonly run;

  constructor(
    readonly image: RgbImage,
    readonly method: SelectionMethodName,
  ) {
    this.run = selectionMethod(method);
    this.history = [{ clicks: [], mask: new Uint8Array(image.width * image.height) }];
  }

  private get last(): MethodStep {
    return this.history[this.history.length - 1]!;
  }

  get clicks(): readonly Click[] {
    return this.last.clicks;
  }

  get box(): Box | undefined {
    return this.last.box;
  }

  get mask(): Uint8Array {
    return this.last.mask;
  }

  private step(clicks: Click[], box: Box | undefined, previous: SelectionState | undefined): Uint8Array {
    const { mask, state } = this.run(this.image, { clicks, ...(box ? { box } : {}), previous });
    this.history.push({ clicks, ...(box ? { box } : {}), mask, state });
    return mask;
  }

  /** Adds a click (pixel coordinates) and runs the method from the previous state. */
  addClick(click: Click): Uint8Array {
    const x = Math.floor(click.x);
    const y = Math.floor(click.y);
    if (!(x >= 0 && y >= 0 && x < this.image.width && y < this.image.height)) {
      throw new Error(`click at (${click.x}, ${click.y}) is outside the ${this.image.width}x${this.image.height} image`);
    }
    return this.step([...this.last.clicks, { x, y, positive: click.positive }], this.last.box, this.last.state);
  }

  /** Starts over from a box (the outside is background; GrabCut's rectangle), dropping the clicks. */
  setBox(box: Box): Uint8Array {
    return this.step([], box, undefined);
  }

  /** Back to the state before the last click or box. */
  undo(): Uint8Array {
    if (this.history.length > 1) this.history.pop();
    return this.mask;
  }

  /** No clicks, no box. */
  reset(): Uint8Array {
    this.history.length = 1;
    return this.mask;
  }
}

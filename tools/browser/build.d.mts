/** Builds the page whose index.html is in `root` into `outDir`. */
export function buildPage(options: { root: string; outDir: string; quiet?: boolean; define?: Record<string, string> }): Promise<string>;
/** Bundles a TypeScript entry for Node; returns the output file. */
export function buildNodeEntry(options: { entry: string; outDir: string }): Promise<string>;

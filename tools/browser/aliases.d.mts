/** The repository root. */
export const ROOT: string;
/** Vite aliases: `@objsel/<name>` → `packages/<name>/src/index.ts`. */
export function objselAliases(): Array<{ find: RegExp; replacement: string }>;

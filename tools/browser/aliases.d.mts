/** The repository root. */
export const ROOT: string;
/** The package.json condition that names an entry's TypeScript source. */
export const SOURCE_CONDITION: string;
/** Vite aliases: every exported `@objsel/<name>[/<subpath>]` → the source file its `@objsel/source` condition names. */
export function objselAliases(): Array<{ find: RegExp; replacement: string }>;

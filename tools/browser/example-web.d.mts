/** Builds examples/web-select (Vite production build); resolves to the dist folder. */
export function buildExample(): Promise<string>;

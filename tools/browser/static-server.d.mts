/** One request the server answered. */
export interface ServedRequest {
  method: string | undefined;
  path: string | undefined;
  status: number;
}
/** A running static server. */
export interface StaticServer {
  /** `http://127.0.0.1:<port>/`. */
  url: string;
  port: number;
  /** Every request served so far. */
  requests: ServedRequest[];
  close(): Promise<void>;
}
/** The cross-origin isolation headers (COOP `same-origin`, COEP `require-corp`, CORP `same-origin`). */
export const ISOLATION_HEADERS: Readonly<Record<string, string>>;
/**
 * Serves `root` on 127.0.0.1 (a random free port unless `port` is given); `isolated` sends
 * {@link ISOLATION_HEADERS}, so the page is cross-origin isolated (wasm threads).
 */
export function serveStatic(
  root: string,
  options?: { port?: number; host?: string; quiet?: boolean; isolated?: boolean },
): Promise<StaticServer>;

/**
 * Weight shards in the browser's Cache Storage, so that a large model (ResNet-101: 176 MB) is
 * downloaded once. An entry is keyed by the shard's URL and the SHA-256 of the `model.json` it
 * belongs to (which is always fetched: it is small, and its hash says whether the cached shards
 * are still the ones it lists). A changed `model.json` at the same URL therefore misses, and the
 * stale shards of that URL are deleted when the new ones are stored. Where Cache Storage is
 * missing (an insecure origin) or fails (quota), shards are simply downloaded.
 */

/** The Cache Storage cache the app keeps shards in. */
export const WEIGHTS_CACHE_NAME = 'objsel-weights-v1';

/** The query parameter that carries the model.json hash in a cache key. */
export const MODEL_HASH_PARAM = 'objsel-model-sha256';

/** What the cache did during one model load. */
export interface ShardCacheStats {
  /** Whether Cache Storage was usable. */
  available: boolean;
  /** SHA-256 (hex) of the model.json the shards were keyed with. */
  modelSha256?: string;
  /** Shards read from the cache. */
  hits: number;
  /** Shards downloaded (and stored, unless storing failed). */
  misses: number;
  /** Why storing a shard failed, if it did (e.g. over quota). */
  storeError?: string;
}

/** Hex SHA-256 of `bytes` (Web Crypto). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The cache key of a shard: its URL with the model.json hash as an extra query parameter. */
export function shardCacheKey(url: string, modelSha256: string): string {
  const key = new URL(url);
  key.searchParams.set(MODEL_HASH_PARAM, modelSha256);
  return key.href;
}

/** Shards of one model load, read through Cache Storage; see the module comment. */
export class ShardCache {
  readonly stats: ShardCacheStats;

  private constructor(private readonly cache: Cache | undefined) {
    this.stats = { available: cache !== undefined, hits: 0, misses: 0 };
  }

  /** Opens the app's cache (a pass-through when Cache Storage is not available). */
  static async open(): Promise<ShardCache> {
    const storage = (globalThis as { caches?: CacheStorage }).caches;
    const cache = storage ? await storage.open(WEIGHTS_CACHE_NAME).catch(() => undefined) : undefined;
    return new ShardCache(cache);
  }

  /** Sets the model.json hash the following shards are keyed with. */
  keyWith(modelSha256: string): void {
    this.stats.modelSha256 = modelSha256;
  }

  /**
   * The bytes of the shard at `url`: from the cache when it holds them for the current
   * model.json, else from `download` (then stored, replacing the URL's entries for other hashes).
   */
  async read(url: string, download: () => Promise<Uint8Array>): Promise<Uint8Array> {
    const hash = this.stats.modelSha256;
    if (!this.cache || !hash) return download();
    const key = shardCacheKey(url, hash);
    const hit = await this.cache.match(key).catch(() => undefined);
    if (hit) {
      this.stats.hits++;
      return new Uint8Array(await hit.arrayBuffer());
    }
    const bytes = await download();
    this.stats.misses++;
    try {
      for (const old of await this.cache.keys(url, { ignoreSearch: true })) {
        if (old.url !== key) await this.cache.delete(old);
      }
      await this.cache.put(
        key,
        new Response(bytes as Uint8Array<ArrayBuffer>, {
          headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes.byteLength) },
        }),
      );
    } catch (error) {
      this.stats.storeError = (error as Error).message ?? String(error);
    }
    return bytes;
  }
}

/** `--redis URL` as the connection options BullMQ hands to ioredis. */
import { CliError } from '../errors';

/** ioredis options; `maxRetriesPerRequest: null` because BullMQ's blocking commands must wait through reconnects. */
export interface RedisConnection {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
  tls?: Record<string, never>;
  maxRetriesPerRequest: null;
  /** Reconnect every 200 ms at most, so a restarted Redis is found again quickly. */
  retryStrategy: (times: number) => number;
}

/** Parses `redis://[user:password@]host[:port][/db]` (or `rediss://` for TLS). */
export function redisConnection(url: string): RedisConnection {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new CliError('usage', `--redis: not a URL: '${url}' (e.g. redis://127.0.0.1:6379)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new CliError('usage', `--redis: expected redis://HOST:PORT or rediss://HOST:PORT, got '${url}'`);
  const port = u.port === '' ? 6379 : Number(u.port);
  const dbText = u.pathname.replace(/^\//, '');
  const db = dbText === '' ? undefined : Number(dbText);
  if (db !== undefined && !(Number.isInteger(db) && db >= 0 && db <= 1_000_000))
    throw new CliError('usage', `--redis: database must be a number, got '${dbText}'`);
  return {
    host: u.hostname || '127.0.0.1',
    port,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db !== undefined ? { db } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(200, 20 * times),
  };
}

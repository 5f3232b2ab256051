/** The queue of a submitter or `objsel status`: a Redis that cannot be reached is one line, not a hang. */
import type { Queue } from 'bullmq';
import { CliError } from '../errors';
import { redisConnection } from './redis-connection';

/** How long a submitter waits for Redis at the start (a worker waits for ever: it may start first). */
const CONNECT_MS = 10_000;

export async function openQueue(url: string, name: string): Promise<Queue> {
  const { Queue } = await import('bullmq');
  const queue = new Queue(name, { connection: redisConnection(url) });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      queue.waitUntilReady(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new CliError('io', `cannot reach Redis at ${url} (waited ${CONNECT_MS / 1000} s)`)), CONNECT_MS);
      }),
    ]);
  } catch (error) {
    await queue.disconnect().catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return queue;
}

/** The static server of the browser tests: never serves outside its root, and closes promptly. */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { serveStatic } from '../browser/static-server.mjs';

function tree(): { root: string; secret: string } {
  const top = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-static-'));
  const root = path.join(top, 'www');
  fs.mkdirSync(root);
  fs.writeFileSync(path.join(root, 'index.html'), '<p>hi</p>');
  fs.writeFileSync(path.join(root, 'real.txt'), 'inside');
  const secret = path.join(top, 'secret.txt');
  fs.writeFileSync(secret, 'outside');
  fs.mkdirSync(path.join(top, 'elsewhere'));
  fs.writeFileSync(path.join(top, 'elsewhere', 'x.txt'), 'outside too');
  fs.symlinkSync(secret, path.join(root, 'leak.txt'));
  fs.symlinkSync(path.join(top, 'elsewhere'), path.join(root, 'dir-link'));
  fs.symlinkSync(path.join(root, 'real.txt'), path.join(root, 'alias.txt'));
  return { root, secret };
}

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

describe('serveStatic', () => {
  it('refuses symbolic links (of files or directories) that lead out of the root, serves those that stay inside', async () => {
    const { root } = tree();
    const server = await serveStatic(root, { quiet: true });
    try {
      expect(await get(`${server.url}leak.txt`)).toEqual({ status: 403, body: 'forbidden' });
      expect(await get(`${server.url}dir-link/x.txt`)).toEqual({ status: 403, body: 'forbidden' });
      expect(await get(`${server.url}alias.txt`)).toEqual({ status: 200, body: 'inside' });
      expect(await get(`${server.url}real.txt`)).toEqual({ status: 200, body: 'inside' });
      expect((await get(`${server.url}%2e%2e/secret.txt`)).status).not.toBe(200);
    } finally {
      await server.close();
    }
  });

  it('serves a root given through a symbolic link', async () => {
    const { root } = tree();
    const link = path.join(path.dirname(root), 'www-link');
    fs.symlinkSync(root, link);
    const server = await serveStatic(link, { quiet: true });
    try {
      expect(await get(`${server.url}real.txt`)).toEqual({ status: 200, body: 'inside' });
      expect((await get(`${server.url}leak.txt`)).status).toBe(403);
    } finally {
      await server.close();
    }
  });

  it('closes at once although a keep-alive connection is open', async () => {
    const { root } = tree();
    const server = await serveStatic(root, { quiet: true });
    const agent = new http.Agent({ keepAlive: true, keepAliveMsecs: 60_000 });
    await new Promise<void>((resolve, reject) => {
      http
        .get(`${server.url}real.txt`, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve());
        })
        .on('error', reject);
    });
    const started = performance.now();
    await server.close();
    expect(performance.now() - started).toBeLessThan(1000);
    agent.destroy();
  });

  it('closes promptly although a client sent half a request and went quiet', async () => {
    const { root } = tree();
    const server = await serveStatic(root, { quiet: true });
    const socket = net.connect(server.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('GET /real.txt HTTP/1.1\r\nHost: x\r\n'); // headers never finished
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = performance.now();
    await server.close();
    expect(performance.now() - started).toBeLessThan(1000);
    socket.destroy();
  });
});

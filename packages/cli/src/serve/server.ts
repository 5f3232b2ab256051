/**
 * The HTTP server of `objsel serve` on Node's `http`: routes, JSON errors (4xx for the client's
 * mistakes, one log line each, never a crash), optional CORS for one origin, and a graceful
 * close that stops accepting, lets in-flight requests finish and then closes idle keep-alive
 * sockets (and, past a deadline, every socket).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { HttpError, readJsonObject, sendJson } from './http-json';
import { cvatInteractor } from './routes/cvat';
import { LABEL_STUDIO_MODEL_VERSION, labelStudioPredict } from './routes/label-studio';
import { v1Select } from './routes/v1';
import { v1Objects } from './routes/v1-objects';
import type { Selector } from './selector';

/** Settings of {@link startSelectionServer}. */
export interface SelectionServerOptions {
  selector: Selector;
  /** What `GET /v1/model` reports (weights, backend, refinement). */
  model: Record<string, unknown>;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** The one origin allowed to call from a browser (none by default). */
  cors?: string;
  maxBodyBytes: number;
  /** One line per request or error. */
  log?: (line: string) => void;
}

/** A running server. */
export interface SelectionServer {
  readonly server: Server;
  readonly url: string;
  /**
   * Graceful close: stops accepting, answers requests in flight and closes sockets; a waiting
   * selection starts only if it is expected to end within `deadlineMs` (else 503), and past the
   * deadline every socket is closed.
   */
  close(deadlineMs?: number): Promise<void>;
}

type Handler = (request: IncomingMessage) => Promise<unknown>;

/** How long the 503 of an ended forward has to be written before the sockets close (ms). */
const ANSWER_GRACE_MS = 50;

/** How long a closing server still takes in connections and requests already on their way (ms). */
const ACCEPT_GRACE_MS = 200;

function routes(options: SelectionServerOptions): Map<string, Handler> {
  const { selector, maxBodyBytes } = options;
  const json = (request: IncomingMessage) => readJsonObject(request, maxBodyBytes);
  const health = async () => ({ status: 'UP', model_class: 'objsel-interactive', pending: selector.pending });
  return new Map<string, Handler>([
    ['GET /health', health],
    ['GET /v1/model', async () => ({ ...options.model, cache: selector.cache.stats(), maxBodyBytes })],
    ['POST /v1/select', async (r) => v1Select(await json(r), selector)],
    ['POST /v1/objects', async (r) => v1Objects(await json(r), selector.options.maxPixels)],
    ['POST /cvat/interactor', async (r) => cvatInteractor(await json(r), selector)],
    ['POST /predict', async (r) => labelStudioPredict(await json(r), selector, maxBodyBytes)],
    // Label Studio checks the backend when it is connected; nothing here depends on the project.
    ['POST /setup', async (r) => (await json(r), { model_version: LABEL_STUDIO_MODEL_VERSION })],
    ['POST /webhook', async (r) => (await json(r), { status: 'ok' })],
  ]);
}

/** Starts the server and resolves once it listens. */
export async function startSelectionServer(options: SelectionServerOptions): Promise<SelectionServer> {
  const table = routes(options);
  const log = options.log ?? (() => {});
  const sockets = new Map<Socket, { busy: boolean }>();
  let closing = false;

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const started = performance.now();
    const path = (request.url ?? '/').split('?')[0];
    const socket = sockets.get(request.socket);
    if (socket) socket.busy = true;
    response.on('finish', () => {
      if (socket) socket.busy = false;
      if (closing) request.socket.end(); // no keep-alive while draining
    });
    if (closing) response.setHeader('connection', 'close');
    if (options.cors) {
      response.setHeader('access-control-allow-origin', options.cors);
      response.setHeader('vary', 'origin');
    }
    try {
      if (request.method === 'OPTIONS' && options.cors) {
        response.writeHead(204, {
          'access-control-allow-methods': 'GET, POST, OPTIONS',
          'access-control-allow-headers': 'content-type, authorization',
          'access-control-max-age': '600',
        });
        response.end();
        return;
      }
      const handler = table.get(`${request.method} ${path}`);
      if (!handler) {
        const known = [...table.keys()].some((k) => k.endsWith(` ${path}`));
        throw new HttpError(known ? 405 : 404, known ? `${request.method} is not allowed on ${path}` : `no route ${path}`);
      }
      const value = await handler(request);
      sendJson(response, 200, value);
      log(`${request.method} ${path} 200 ${(performance.now() - started).toFixed(0)} ms`);
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 500;
      const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
      if (!response.headersSent) {
        if (status === 413) response.setHeader('connection', 'close'); // the rest of the body is not read
        sendJson(response, status, { error: message, status });
      } else response.destroy();
      log(`${request.method} ${path} ${status} ${message}`);
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy());
  });
  server.on('connection', (socket) => {
    sockets.set(socket, { busy: false });
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable)
      socket.end('HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\n\r\n{"error":"malformed HTTP request","status":400}');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    server,
    url: `http://${host}:${address.port}`,
    async close(deadlineMs = 4000) {
      closing = true;
      // The deadline counts from the signal, which may have come during a selection that blocked the event loop.
      const deadline = options.selector.stopWithin(deadlineMs);
      const timer = setTimeout(
        () => {
          // What has not started is not waited for; a forward in a worker thread is ended, and
          // its request answered 503, before the sockets still open are closed.
          void options.selector
            .abortRunning()
            .then(() => new Promise((resolve) => setTimeout(resolve, ANSWER_GRACE_MS)))
            .finally(() => {
              for (const socket of sockets.keys()) socket.destroy();
            });
        },
        Math.max(0, deadline - performance.now()),
      );
      timer.unref();
      // A grace before the listener closes: connections the kernel already accepted, and requests
      // already in their buffers, are taken in and parsed (closing drops request-less connections).
      await new Promise((resolve) => setTimeout(resolve, ACCEPT_GRACE_MS));
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise<void>((resolve) => {
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        for (const [socket, state] of sockets) if (!state.busy) socket.end(); // idle keep-alive sockets
      });
    },
  };
}

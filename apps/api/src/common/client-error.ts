import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Answers what Node refuses before Fastify sees a request (headers over the size limit, a malformed
 * request line, a slow client) in the contract's error shape, never with a 5xx.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'BAD_USER_INPUT', 'The request headers are larger than allowed (16 KiB in all)']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'BAD_USER_INPUT', 'The request took too long to arrive']
        : [400, 'BAD_USER_INPUT', 'Malformed HTTP request'];
  const body = JSON.stringify({ error: { code, message } });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

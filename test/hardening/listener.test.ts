import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../harness.js';

/**
 * Issue 10 item 9, on a real listening server (inject has no sockets): a slow body is cut at
 * REQUEST_TIMEOUT_MS, not ~30 s later; `Expect: 100-continue` with a Content-Length over the body
 * limit gets 413 and never `100 Continue`.
 */
const TIMEOUT_MS = 1_500;
const BODY_LIMIT = 4_096;
let t: TestApp;
let port: number;
beforeAll(async () => {
  t = await createTestApp({ REQUEST_TIMEOUT_MS: String(TIMEOUT_MS), BODY_LIMIT_BYTES: String(BODY_LIMIT) });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  port = (t.app.server.address() as AddressInfo).port;
});
afterAll(() => t.close());

/** Opens a socket, writes `head`, and collects everything until the server closes it (or `ms` pass). */
function exchange(head: string, options: { trickle?: boolean; ms: number; until?: (text: string) => boolean }): Promise<{ text: string; closedAfterMs: number | null }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket: Socket = connect(port, '127.0.0.1');
    let text = '';
    let timer: NodeJS.Timeout | undefined;
    const finish = (closed: boolean) => {
      clearInterval(timer);
      clearTimeout(deadline);
      socket.destroy();
      resolve({ text, closedAfterMs: closed ? Date.now() - started : null });
    };
    const deadline = setTimeout(() => finish(false), options.ms);
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if (options.until?.(text)) finish(true);
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => undefined);
    socket.write(head);
    if (options.trickle) {
      timer = setInterval(() => {
        if (!socket.destroyed) socket.write(' ');
      }, 200);
    }
  });
}

describe('a listening server', () => {
  it('cuts a body that trickles in at REQUEST_TIMEOUT_MS (within 2×), answering 408', async () => {
    const head = 'POST /auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 3000\r\n\r\n{';
    const { text, closedAfterMs } = await exchange(head, { trickle: true, ms: TIMEOUT_MS * 2 + 500 });
    expect(closedAfterMs).not.toBeNull();
    expect(closedAfterMs!).toBeLessThanOrEqual(TIMEOUT_MS * 2);
    expect(closedAfterMs!).toBeGreaterThanOrEqual(TIMEOUT_MS - 100);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(text).toMatch(/content-type: application\/problem\+json/i);
    expect(text).toMatch(/x-content-type-options: nosniff/i);
    expect(text).toContain('"code":"request.timeout"');
  });

  it('a request line node cannot parse is answered as problem+json too, without echo', async () => {
    const { text } = await exchange('GET /users/%E0%A4%A\u0001 HTTP/1.1\r\nHost: localhost\r\n\r\n', { ms: 3_000 });
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(text).toMatch(/content-type: application\/problem\+json/i);
    expect(text).toMatch(/strict-transport-security: /i);
    expect(text).not.toContain('/users');
  });

  it('Expect: 100-continue with an over-size Content-Length → 413 problem+json, no 100 Continue', async () => {
    const head = `POST /auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${BODY_LIMIT * 1000}\r\nExpect: 100-continue\r\n\r\n`;
    const { text } = await exchange(head, { ms: 5_000, until: (received) => received.includes('}') });
    expect(text).not.toMatch(/100 Continue/i);
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    expect(text).toMatch(/content-type: application\/problem\+json/i);
    expect(text).toContain('request.body_too_large');
  });

  it('Expect: 100-continue within the limit still gets 100 Continue (the control case)', async () => {
    const head = 'POST /auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 20\r\nExpect: 100-continue\r\n\r\n';
    const { text } = await exchange(head, { ms: 5_000, until: (received) => received.includes('\r\n\r\n') });
    expect(text).toMatch(/^HTTP\/1\.1 100 Continue\r\n/);
  });
});

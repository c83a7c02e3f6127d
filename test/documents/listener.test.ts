import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../harness.js';
import { officerWithCase, staffOf } from './helpers.js';

/**
 * On a real listening server: `Expect: 100-continue` on the upload answers by the upload's own limit
 * (one 10 MiB file and its envelope), not the global JSON body limit, so a phone sending a 5 MiB scan
 * is told to go on at once, and a 50 MiB one gets 413 before sending a byte of it.
 */
let t: TestApp;
let port: number;
let path: string;
let authorization: string;

beforeAll(async () => {
  t = await createTestApp();
  const me = await officerWithCase(t, (await staffOf(t, 'ministry_staff')).auth);
  path = `/applications/${me.caseId}/documents`;
  authorization = me.auth.authorization!;
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  port = (t.app.server.address() as AddressInfo).port;
});
afterAll(() => t.close());

function exchange(head: string, until: (text: string) => boolean): Promise<string> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let text = '';
    const finish = () => {
      clearTimeout(deadline);
      socket.destroy();
      resolve(text);
    };
    const deadline = setTimeout(finish, 5_000);
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if (until(text)) finish();
    });
    socket.on('close', finish);
    socket.on('error', () => undefined);
    socket.write(head);
  });
}

const head = (length: number) =>
  `POST ${path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${authorization}\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: ${length}\r\nExpect: 100-continue\r\n\r\n`;

describe('Expect: 100-continue on the document upload', () => {
  it('a 5 MiB upload (over the global body limit, within the upload’s) gets 100 Continue', async () => {
    expect(t.config.bodyLimitBytes).toBeLessThan(5 * 1024 * 1024);
    const text = await exchange(head(5 * 1024 * 1024), (received) => received.includes('\r\n\r\n'));
    expect(text).toMatch(/^HTTP\/1\.1 100 Continue\r\n/);
  });

  it('a 50 MiB upload gets 413 document.too_large and no 100 Continue', async () => {
    const text = await exchange(head(50 * 1024 * 1024), (received) => received.includes('}'));
    expect(text).not.toMatch(/100 Continue/i);
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    expect(text).toMatch(/content-type: application\/problem\+json/i);
    expect(text).toContain('document.too_large');
  });
});

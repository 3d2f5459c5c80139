import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/**
 * The checks a server on this machine makes before it acts on a request,
 * so a web page the user happens to have open cannot use it:
 *  - an `Origin` header other than the server's own is refused (browsers
 *    send one with every POST from a page; carriers, curl and producers send
 *    none), so a page cannot post events or decisions to it;
 *  - on a loopback address, `Host` must name the loopback address and port,
 *    so a page on a name rebound to 127.0.0.1 (DNS rebinding) is refused too.
 *    A server bound elsewhere (`serve --host 0.0.0.0` behind a tunnel) is
 *    reached under other names: there only the Origin check applies.
 */
export function refusal(req: IncomingMessage, options: { readonly loopback: boolean }): { readonly status: number; readonly error: string } | undefined {
  const host = req.headers.host ?? '';
  const port = req.socket.localPort;
  if (options.loopback && !LOOPBACK_NAMES.some((name) => host === `${name}:${port}`)) {
    return { status: 421, error: `wrong Host "${host}": use http://127.0.0.1:${port}/` };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) return { status: 403, error: 'cross-origin request refused' };
  return undefined;
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/** Whether the address the server listens on is this machine only. */
export function isLoopback(address: string): boolean {
  if (address === 'localhost') return true;
  if (isIP(address) === 4) return address.startsWith('127.');
  return address === '::1';
}

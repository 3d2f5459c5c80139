import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * HMAC-SHA256 of the raw body bytes. The body is never decoded and
 * re-encoded first: a signature is over bytes, and the same JSON with other
 * whitespace or key order is a different message.
 */
export function hmacSha256(secret: Uint8Array, rawBody: Uint8Array): Buffer {
  return createHmac('sha256', secret).update(rawBody).digest();
}

/**
 * Constant-time comparison of two header values. Both are hashed first so
 * that `timingSafeEqual` always compares equal lengths and a wrong length
 * leaks nothing either.
 */
export function constantTimeEqual(received: string, expected: string): boolean {
  const a = createHmac('sha256', 'refund-gate/compare').update(received, 'utf8').digest();
  const b = createHmac('sha256', 'refund-gate/compare').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b) && received.length === expected.length;
}

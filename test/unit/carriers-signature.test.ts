import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  aftership,
  easypost,
  providerNamed,
  receiveWebhook,
  REFUSAL_STATUS,
  WebhookNotConfiguredError,
} from '../../shared/carriers/index.js';
import { body, facilities, independentSign, receiveFixture, refusal, request, SECRETS, signatureOf } from './carriers-fixtures.js';

const FILES = ['easypost-in-transit.json', 'easypost-delivered.json', 'easypost-delivered-elsewhere.json', 'aftership-delivered.json', 'aftership-delivered-elsewhere.json'];
const settings = () => ({ source: 'retail.carrier', facilities: facilities() });


describe('webhook signatures over the raw body', () => {
  it.each(FILES)('accepts %s with the header the provider would send', (file) => {
    // Prepare: the stored header equals one computed independently with node:crypto
    const s = signatureOf(file);
    expect(s.value).toBe(independentSign[s.provider](body(file)));
    // Act
    const received = receiveFixture(file);
    // Assess
    expect(received.scans.length).toBeGreaterThan(0);
  });

  it('keys the EasyPost HMAC with the NFKD form of the secret, as EasyPost does', () => {
    // Prepare: the test secret holds a precomposed é; its decomposed spelling is the same secret
    const bytes = body('easypost-delivered.json');
    const decomposed = SECRETS.easypost.normalize('NFD');
    expect(decomposed).not.toBe(SECRETS.easypost);
    // Act / Assess
    expect(easypost.verify(bytes, signatureOf('easypost-delivered.json').value, decomposed)).toBe(true);
    // A receiver keying with the raw (NFC) bytes would compute something else:
    const naive = `hmac-sha256-hex=${createHmac('sha256', SECRETS.easypost).update(bytes).digest('hex')}`;
    expect(naive).not.toBe(signatureOf('easypost-delivered.json').value);
  });

  it.each([
    ['easypost', 'easypost-delivered.json'],
    ['aftership', 'aftership-delivered.json'],
  ] as const)('refuses the same %s JSON re-serialised with other whitespace (401)', (provider, file) => {
    // Prepare: same JSON value, other bytes, the original signature
    const original = body(file);
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(original.toString('utf8')), null, 1), 'utf8');
    expect(JSON.parse(reserialised.toString('utf8'))).toEqual(JSON.parse(original.toString('utf8')));
    // Act
    const error = refusal(() => receiveWebhook(providerNamed(provider), request(provider, reserialised, signatureOf(file).value), [SECRETS[provider]], settings()));
    // Assess
    expect(error.status).toBe(REFUSAL_STATUS.unauthorized);
  });

  it.each([
    ['a missing header', undefined],
    ['an empty header', ''],
    ['another secret', independentSign.aftership(body('aftership-delivered.json'), 'not-the-secret-but-as-long-as-one-0123')],
    ['the hex form instead of base64', createHmac('sha256', SECRETS.aftership).update(body('aftership-delivered.json')).digest('hex')],
    ['a truncated signature', signatureOf('aftership-delivered.json').value.slice(0, 20)],
  ])('refuses an AfterShip webhook with %s (401)', (_name, header) => {
    const error = refusal(() => receiveWebhook(aftership, request('aftership', body('aftership-delivered.json'), header), [SECRETS.aftership], settings()));
    expect(error.status).toBe(REFUSAL_STATUS.unauthorized);
  });

  it('refuses an EasyPost signature without its hmac-sha256-hex= prefix, or upper-cased (401)', () => {
    const bytes = body('easypost-in-transit.json');
    const good = signatureOf('easypost-in-transit.json').value;
    for (const header of [good.slice('hmac-sha256-hex='.length), good.toUpperCase()]) {
      expect(refusal(() => receiveWebhook(easypost, request('easypost', bytes, header), [SECRETS.easypost], settings())).status).toBe(401);
    }
  });

  it('accepts the previous secret during a rotation, and only the secrets given', () => {
    // Prepare: signed with the old secret; the receiver knows [new, old]
    const bytes = body('aftership-delivered.json');
    const [newSecret, oldSecret] = ['new-secret-0123456789abcdef0123456789', 'old-secret-0123456789abcdef0123456789'];
    const old = independentSign.aftership(bytes, oldSecret);
    // Act / Assess
    expect(receiveWebhook(aftership, request('aftership', bytes, old), [newSecret, oldSecret], settings()).scans.length).toBe(5);
    expect(refusal(() => receiveWebhook(aftership, request('aftership', bytes, old), [newSecret], settings())).status).toBe(401);
  });

  it('answers 503 (retry later) while no secret is configured, before looking at the signature', () => {
    const bytes = body('aftership-delivered.json');
    expect(() => receiveWebhook(aftership, request('aftership', bytes, signatureOf('aftership-delivered.json').value), [], settings())).toThrow(WebhookNotConfiguredError);
    expect(() => receiveWebhook(aftership, request('aftership', bytes, signatureOf('aftership-delivered.json').value), [''], settings())).toThrow(WebhookNotConfiguredError);
  });

  it('refuses other methods (405) and bodies over the limit (413) before checking the signature', () => {
    const bytes = body('aftership-delivered.json');
    const sig = signatureOf('aftership-delivered.json').value;
    expect(refusal(() => receiveWebhook(aftership, request('aftership', bytes, sig, 'GET'), [SECRETS.aftership], settings())).status).toBe(405);
    const big = Buffer.alloc(2048, 0x20);
    expect(
      refusal(() => receiveWebhook(aftership, request('aftership', big, independentSign.aftership(big)), [SECRETS.aftership], { ...settings(), maxBodyBytes: 1024 })).status,
    ).toBe(413);
  });

  it('refuses a signed body that is not JSON, or not UTF-8 (400)', () => {
    for (const bytes of [Buffer.from('{"event": "tracking_update",', 'utf8'), Buffer.from([0x7b, 0xff, 0xfe, 0x7d])]) {
      const error = refusal(() => receiveWebhook(aftership, request('aftership', bytes, independentSign.aftership(bytes)), [SECRETS.aftership], settings()));
      expect(error.status).toBe(REFUSAL_STATUS.badRequest);
    }
  });

  it('refuses an unknown provider name (404)', () => {
    expect(refusal(() => providerNamed('fedex')).status).toBe(REFUSAL_STATUS.notFound);
    expect(refusal(() => providerNamed('__proto__')).status).toBe(REFUSAL_STATUS.notFound);
  });
});

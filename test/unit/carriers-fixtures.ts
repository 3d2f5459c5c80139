import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { FacilityMap, providerNamed, receiveWebhook, type ReceivedWebhook, type WebhookRequest } from '../../shared/carriers/index.js';

const DIR = new URL('../fixtures/carriers/', import.meta.url);

export interface SignedFixture {
  readonly provider: 'easypost' | 'aftership';
  readonly header: string;
  readonly value: string;
}

const signed = JSON.parse(readFileSync(new URL('signatures.json', DIR), 'utf8')) as {
  secrets: Record<'easypost' | 'aftership', string>;
  signatures: Record<string, SignedFixture>;
};

export const SECRETS = signed.secrets;
export const fixturePath = (file: string): string => new URL(file, DIR).pathname;
export const body = (file: string): Buffer => readFileSync(new URL(file, DIR));
export const signatureOf = (file: string): SignedFixture => signed.signatures[file]!;
export const facilities = (): FacilityMap => FacilityMap.parse(JSON.parse(readFileSync(new URL('facilities.json', DIR), 'utf8')));

/** Signatures computed here with node:crypto alone, independent of shared/carriers. */
export const independentSign = {
  easypost: (bytes: Uint8Array, secret = SECRETS.easypost) =>
    `hmac-sha256-hex=${createHmac('sha256', Buffer.from(secret.normalize('NFKD'), 'utf8')).update(bytes).digest('hex')}`,
  aftership: (bytes: Uint8Array, secret = SECRETS.aftership) => createHmac('sha256', Buffer.from(secret, 'utf8')).update(bytes).digest('base64'),
};

export function request(provider: 'easypost' | 'aftership', bytes: Uint8Array, signature: string | undefined, method = 'POST'): WebhookRequest {
  const name = provider === 'easypost' ? 'x-hmac-signature' : 'aftership-hmac-sha256';
  return { method, body: bytes, header: (h) => (h.toLowerCase() === name ? signature : undefined) };
}

/** A fixture through the receiver with its published signature and the test facility map. */
export function receiveFixture(file: string, options: { source?: string } = {}): ReceivedWebhook {
  const s = signatureOf(file);
  return receiveWebhook(providerNamed(s.provider), request(s.provider, body(file), s.value), [SECRETS[s.provider]], {
    source: options.source ?? 'retail.carrier',
    facilities: facilities(),
  });
}

/** A body signed here, for variations the fixture files do not cover. */
export function receiveSigned(provider: 'easypost' | 'aftership', json: unknown, fm: FacilityMap = facilities()): ReceivedWebhook {
  const bytes = Buffer.from(JSON.stringify(json), 'utf8');
  return receiveWebhook(providerNamed(provider), request(provider, bytes, independentSign[provider](bytes)), [SECRETS[provider]], {
    source: 'retail.carrier',
    facilities: fm,
  });
}

export const json = (file: string): any => JSON.parse(body(file).toString('utf8'));

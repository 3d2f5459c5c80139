import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { FacilityMap, providerNamed, receiveWebhook, WebhookRefusedError, type ReceivedWebhook, type WebhookRequest } from '../../shared/carriers/index.js';

const DIR = new URL('../fixtures/carriers/', import.meta.url);

type Provider = 'easypost' | 'aftership' | 'ups' | 'shippo';

export interface SignedFixture {
  readonly provider: 'easypost' | 'aftership';
  readonly header: string;
  readonly value: string;
}

const signed = JSON.parse(readFileSync(new URL('signatures.json', DIR), 'utf8')) as {
  secrets: Record<Provider, string>;
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
  /** UPS signs nothing: the credential is the header. */
  ups: (_bytes: Uint8Array, secret = SECRETS.ups) => secret,
  /** Shippo: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body>`, at `nowMs`. */
  shippo: (bytes: Uint8Array, secret = SECRETS.shippo, nowMs = Date.now()) => {
    const t = String(Math.floor(nowMs / 1000));
    return `t=${t},v1=${createHmac('sha256', Buffer.from(secret, 'utf8')).update(Buffer.concat([Buffer.from(`${t}.`, 'utf8'), bytes])).digest('hex')}`;
  },
};

export const HEADER_OF: Readonly<Record<Provider, string>> = {
  easypost: 'x-hmac-signature',
  aftership: 'aftership-hmac-sha256',
  ups: 'credential',
  shippo: 'shippo-auth-signature',
};

export function request(provider: Provider, bytes: Uint8Array, signature: string | undefined, method = 'POST'): WebhookRequest {
  const name = HEADER_OF[provider];
  return { method, body: bytes, header: (h) => (h.toLowerCase() === name ? signature : undefined) };
}

/** A UPS or Shippo fixture file through the receiver, authenticated as the provider would (Shippo signed now). */
export function receiveFile(provider: 'ups' | 'shippo', file: string, options: { allowTestMode?: boolean } = {}): ReceivedWebhook {
  const bytes = body(file);
  return receiveWebhook(providerNamed(provider), request(provider, bytes, independentSign[provider](bytes)), [SECRETS[provider]], {
    source: 'retail.carrier',
    facilities: facilities(),
    ...options,
  });
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
export function receiveSigned(provider: Provider, json: unknown, fm: FacilityMap = facilities(), options: { allowTestMode?: boolean } = {}): ReceivedWebhook {
  const bytes = Buffer.from(JSON.stringify(json), 'utf8');
  return receiveWebhook(providerNamed(provider), request(provider, bytes, independentSign[provider](bytes)), [SECRETS[provider]], {
    source: 'retail.carrier',
    facilities: fm,
    ...options,
  });
}

export const json = (file: string): any => JSON.parse(body(file).toString('utf8'));

/** The WebhookRefusedError `run` throws (the test fails if it throws anything else, or nothing). */
export function refusal(run: () => unknown): WebhookRefusedError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(WebhookRefusedError);
  return caught as WebhookRefusedError;
}

import type { ScanStatus } from '../contract/inbound.js';
import type { CarrierLocation } from './facilities.js';

/** The webhook providers refund-gate understands; each is one module implementing {@link CarrierProvider}. */
export const PROVIDER_NAMES = ['easypost', 'aftership', 'ups', 'shippo'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export function isProviderName(name: string): name is ProviderName {
  return (PROVIDER_NAMES as readonly string[]).includes(name);
}

/** A carrier-measured weight, in the contract's units (v1.1 `Weight`). */
export interface CarrierWeight {
  readonly value: number;
  readonly unit: 'g' | 'kg' | 'oz' | 'lb';
}

/** One tracking event as the provider reported it, before it becomes a CarrierScan. */
export interface ProviderTrackingEvent {
  /** The provider's own status words, for logs and the skipped count (`delivered`, `Delivered/Delivered_001`). */
  readonly providerStatus: string;
  /** The contract status, or undefined when the provider's status has no mapping (the event is skipped). */
  readonly status: ScanStatus | undefined;
  /** The event time exactly as sent (part of the scanId). */
  readonly providerTime: string;
  /** The event time as a strict RFC 3339 UTC instant, or undefined when it cannot be made one (the event is skipped). */
  readonly scannedAt: string | undefined;
  readonly location: CarrierLocation;
}

/** A tracked parcel and its tracking events, from one webhook body. */
export interface ProviderShipment {
  /** The provider's id of its tracking object (EasyPost `trk_…`, AfterShip tracking `id`). */
  readonly objectId: string;
  readonly carrier: string;
  readonly trackingNumber: string;
  readonly weight: CarrierWeight | undefined;
  /** Why the shipment's weight was left out (an unknown unit), for the logs. */
  readonly weightProblem?: string | undefined;
  readonly events: readonly ProviderTrackingEvent[];
}

/** What a verified webhook body is about. */
export type ProviderPayload = (
  | { readonly kind: 'tracking'; readonly shipment: ProviderShipment }
  /** A well-formed event of a kind that carries no scans (EasyPost `batch.updated`, AfterShip `edd_revise`): answered 200, nothing put. */
  | { readonly kind: 'ignored'; readonly eventType: string }
) & {
  /**
   * The provider marks the event as a test-mode one (EasyPost `mode: "test"`,
   * Shippo `test: true`, UPS's CIE test tracking numbers): refused unless the
   * operator allows test mode (contract §6).
   */
  readonly testMode: boolean;
};

/** How a provider authenticates its deliveries: an HMAC over the body, or a shared credential presented as is. */
export type ProviderAuthentication = 'hmac' | 'credential';

/**
 * The seam for a webhook provider: how it signs, and how its body becomes
 * tracking events. Adding a provider is one module and one entry in
 * `PROVIDERS` (`./index.ts`); the receiver, the Lambda, the CLI and `serve`
 * pick it up by name.
 */
export interface CarrierProvider {
  readonly name: ProviderName;
  /** The request header carrying the signature (or the credential), lower case. */
  readonly signatureHeader: string;
  readonly authentication: ProviderAuthentication;
  /** The signature header value the provider would send for this body and secret (at `nowMs`, where the provider signs a time). */
  sign(rawBody: Uint8Array, secret: string, nowMs?: number): string;
  /** Does `headerValue` sign exactly these bytes under `secret` (or present exactly `secret`)? Constant time. */
  verify(rawBody: Uint8Array, headerValue: string, secret: string): boolean;
  /**
   * For providers that sign a timestamp (Shippo): why a verified header is
   * outside the replay window, or undefined when it is inside. Called only
   * once `verify` passed, so an unsigned time is never trusted.
   */
  staleness?(headerValue: string, nowMs: number, windowMs: number): string | undefined;
  /**
   * The parsed (verified) JSON body as tracking events. Throws
   * `WebhookRefusedError` (400) naming the field when it is not the
   * provider's event shape.
   */
  parse(body: unknown): ProviderPayload;
}

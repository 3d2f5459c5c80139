import { RefundGateError } from '../errors.js';

/** HTTP statuses a webhook receiver answers a refused request with. */
export const REFUSAL_STATUS = {
  /**
   * No signature (or credential) header, one that does not match the raw
   * body under any current secret, or a signed time outside the replay window.
   */
  unauthorized: 401,
  /** Authenticated, but a provider test-mode event while test mode is not allowed. */
  forbidden: 403,
  /** Not POST. */
  methodNotAllowed: 405,
  /** Body larger than the receiver accepts. */
  tooLarge: 413,
  /** Not JSON, or JSON that is not the provider's event shape (the message names the field). */
  badRequest: 400,
  /** No such provider (unknown path). */
  notFound: 404,
} as const;
export type RefusalStatus = (typeof REFUSAL_STATUS)[keyof typeof REFUSAL_STATUS];

/**
 * A webhook request refused before anything reached the bus. `status` is the
 * HTTP answer; the message is safe to return to the caller (it never echoes
 * a secret or the expected signature).
 */
export class WebhookRefusedError extends RefundGateError {
  public constructor(
    public readonly status: RefusalStatus,
    message: string,
    options: { cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super(message, options);
    this.name = 'WebhookRefusedError';
  }
}

/** The facility map (deployment setting) is malformed; the message names the field. */
export class FacilityMapError extends RefundGateError {
  public constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options);
    this.name = 'FacilityMapError';
  }
}

/** The receiver has no secret for this provider yet (the placeholder is still in place): 503, so the provider retries later. */
export class WebhookNotConfiguredError extends RefundGateError {
  public readonly status = 503;

  public constructor(provider: string, reason = 'no webhook secret is configured') {
    super(`${reason} for ${provider}`, { context: { provider } });
    this.name = 'WebhookNotConfiguredError';
  }
}

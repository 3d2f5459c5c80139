import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/**
 * The value the stack puts into a webhook secret when it creates it: a JSON
 * object with this key. While it is there the provider is "not configured"
 * (503, the provider retries) rather than every webhook failing its check.
 */
export const PLACEHOLDER_KEY = 'refundGatePlaceholder';

/** Is this stored value a real webhook secret (not empty, not the stack's placeholder)? */
export function isRealSecret(value: string | undefined): value is string {
  if (value === undefined || value.trim() === '') return false;
  try {
    const parsed = JSON.parse(value) as unknown;
    return !(typeof parsed === 'object' && parsed !== null && PLACEHOLDER_KEY in parsed);
  } catch {
    return true;
  }
}

/** How long after a rotation the previous secret is still accepted, unless configured otherwise. */
export const DEFAULT_PREVIOUS_SECRET_WINDOW_MS = 24 * 3_600_000;

interface StoredVersion {
  readonly value: string | undefined;
  /** When this version was created (Secrets Manager's `CreatedDate`), for the rotation window. */
  readonly createdMs: number | undefined;
}

/**
 * Webhook secrets from Secrets Manager: the current version and, for a
 * bounded window after a rotation, the previous one (so webhooks the
 * provider signed just before the switch still pass). The window runs from
 * the current version's creation: once it has passed, AWSPREVIOUS is no
 * longer accepted even if nobody removes it. Cached for `ttlMs`, so a
 * rotation is picked up within that time without a deployment.
 */
export class WebhookSecrets {
  private readonly cache = new Map<string, { readonly current: StoredVersion; readonly previous: StoredVersion; readonly atMs: number }>();

  public constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretIds: ReadonlyMap<string, string>,
    private readonly options: { readonly ttlMs?: number; readonly nowMs?: () => number; readonly previousWindowMs?: number } = {},
  ) {}

  public async forProvider(provider: string): Promise<readonly string[]> {
    const secretId = this.secretIds.get(provider);
    if (secretId === undefined) return [];
    const now = (this.options.nowMs ?? Date.now)();
    let entry = this.cache.get(provider);
    if (!entry || now - entry.atMs >= (this.options.ttlMs ?? 5 * 60_000)) {
      const [current, previous] = await Promise.all([this.read(secretId, 'AWSCURRENT'), this.read(secretId, 'AWSPREVIOUS')]);
      entry = { current, previous, atMs: now };
      this.cache.set(provider, entry);
    }
    const window = this.options.previousWindowMs ?? DEFAULT_PREVIOUS_SECRET_WINDOW_MS;
    // No creation date: the previous version is not trusted (fail closed).
    const rotatedRecently = entry.current.createdMs !== undefined && now - entry.current.createdMs < window;
    return [entry.current.value, rotatedRecently ? entry.previous.value : undefined].filter(isRealSecret);
  }

  private async read(secretId: string, stage: 'AWSCURRENT' | 'AWSPREVIOUS'): Promise<StoredVersion> {
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
      return { value: out.SecretString, createdMs: out.CreatedDate?.getTime() };
    } catch (error) {
      // No previous version yet (never rotated): nothing to add.
      if (stage === 'AWSPREVIOUS' && (error as Error).name === 'ResourceNotFoundException') return { value: undefined, createdMs: undefined };
      throw error;
    }
  }
}

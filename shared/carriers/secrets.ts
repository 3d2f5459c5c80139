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

/**
 * Webhook secrets from Secrets Manager: the current version and, during a
 * rotation, the previous one (so webhooks the provider signed just before
 * the switch still pass). Cached for `ttlMs`, so a rotation is picked up
 * within that time without a deployment.
 */
export class WebhookSecrets {
  private readonly cache = new Map<string, { readonly values: readonly string[]; readonly atMs: number }>();

  public constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretIds: ReadonlyMap<string, string>,
    private readonly options: { readonly ttlMs?: number; readonly nowMs?: () => number } = {},
  ) {}

  public async forProvider(provider: string): Promise<readonly string[]> {
    const secretId = this.secretIds.get(provider);
    if (secretId === undefined) return [];
    const now = (this.options.nowMs ?? Date.now)();
    const cached = this.cache.get(provider);
    if (cached && now - cached.atMs < (this.options.ttlMs ?? 5 * 60_000)) return cached.values;
    const [current, previous] = await Promise.all([this.read(secretId, 'AWSCURRENT'), this.read(secretId, 'AWSPREVIOUS')]);
    const values = [current, previous].filter(isRealSecret);
    this.cache.set(provider, { values, atMs: now });
    return values;
  }

  private async read(secretId: string, stage: 'AWSCURRENT' | 'AWSPREVIOUS'): Promise<string | undefined> {
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
      return out.SecretString;
    } catch (error) {
      // No previous version yet (never rotated): nothing to add.
      if (stage === 'AWSPREVIOUS' && (error as Error).name === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  }
}

import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { createWebhookHandler } from '../../functions/webhook/app.js';
import { ScanBus } from '../../shared/carriers/bus.js';
import { PLACEHOLDER_KEY, WebhookSecrets } from '../../shared/carriers/secrets.js';
import { lambdaContext, quietTelemetry } from '../support/lambda.js';
import { body, facilities, independentSign, receiveFile, receiveFixture, SECRETS, signatureOf } from './carriers-fixtures.js';

const eventBridge = mockClient(EventBridgeClient);
const sqs = mockClient(SQSClient);
const secretsManager = mockClient(SecretsManagerClient);
const BUS = 'orders-bus';
const DLQ = 'https://sqs.us-east-1.amazonaws.com/123456789012/carrier-webhook-dlq';
const ARN = {
  easypost: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ep',
  aftership: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:as',
  ups: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ups',
  shippo: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:shippo',
};

function handler() {
  const { logger, metrics } = quietTelemetry();
  return createWebhookHandler({
    logger,
    metrics,
    settings: { source: 'retail.carrier', facilities: facilities() },
    secrets: new WebhookSecrets(new SecretsManagerClient({ region: 'us-east-1' }), new Map(Object.entries(ARN))),
    bus: new ScanBus({
      eventBridge: new EventBridgeClient({ region: 'us-east-1' }),
      eventBusName: BUS,
      sqs: new SQSClient({ region: 'us-east-1' }),
      deadLetterQueueUrl: DLQ,
      sleep: async () => {},
    }),
  });
}

/** A Function URL event (payload format 2.0) for a raw body, text or base64 as Lambda passes it. */
function urlEvent(path: string, bytes: Buffer, headers: Record<string, string>, options: { method?: string; base64?: boolean } = {}): LambdaFunctionURLEvent {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...headers },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abc',
      domainName: 'abc.lambda-url.us-east-1.on.aws',
      domainPrefix: 'abc',
      http: { method: options.method ?? 'POST', path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'EasyPost WebHook Agent 1.0' },
      requestId: 'r-1',
      routeKey: '$default',
      stage: '$default',
      time: '05/Aug/2024:14:13:05 +0000',
      timeEpoch: 1722867185000,
    },
    body: options.base64 ? bytes.toString('base64') : bytes.toString('utf8'),
    isBase64Encoded: options.base64 ?? false,
  };
}

function signed(file: string, options: { base64?: boolean; method?: string } = {}): LambdaFunctionURLEvent {
  const s = signatureOf(file);
  return urlEvent(`/webhooks/${s.provider}`, body(file), { [s.header]: s.value }, options);
}

const invoke = async (event: LambdaFunctionURLEvent): Promise<{ statusCode: number; body: string }> =>
  (await handler()(event, lambdaContext('refund-gate-webhook'))) as unknown as { statusCode: number; body: string };

const putDetails = () =>
  eventBridge.commandCalls(PutEventsCommand).flatMap((call) => (call.args[0].input.Entries ?? []).map((e) => JSON.parse(e.Detail!)));

beforeEach(() => {
  eventBridge.reset();
  sqs.reset();
  secretsManager.reset();
  secretsManager.on(GetSecretValueCommand, { SecretId: ARN.easypost, VersionStage: 'AWSCURRENT' }).resolves({ SecretString: SECRETS.easypost });
  secretsManager.on(GetSecretValueCommand, { SecretId: ARN.aftership, VersionStage: 'AWSCURRENT' }).resolves({ SecretString: SECRETS.aftership });
  secretsManager.on(GetSecretValueCommand, { SecretId: ARN.ups, VersionStage: 'AWSCURRENT' }).resolves({ SecretString: SECRETS.ups });
  secretsManager.on(GetSecretValueCommand, { SecretId: ARN.shippo, VersionStage: 'AWSCURRENT' }).resolves({ SecretString: SECRETS.shippo });
  secretsManager
    .on(GetSecretValueCommand, { VersionStage: 'AWSPREVIOUS' })
    .rejects(new ResourceNotFoundException({ message: 'no previous version', $metadata: {} }));
  eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({ FailedEntryCount: 0, Entries: input.Entries.map((_, i) => ({ EventId: `e-${i}` })) }));
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
});

describe('carrier webhook Lambda (Function URL)', () => {
  it('puts one CarrierScan per tracking detail on the bus with the carrier source, 10 entries per call', async () => {
    // Act
    const response = await invoke(signed('easypost-delivered.json'));
    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body!)).toEqual({ accepted: 10, skipped: 1 });
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    const entries = eventBridge.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries!);
    expect(entries.every((e) => e.Source === 'retail.carrier' && e.DetailType === 'CarrierScan' && e.EventBusName === BUS)).toBe(true);
    expect(putDetails()).toEqual(receiveFixture('easypost-delivered.json').scans);
  });

  it('accepts a base64 body (how Function URLs pass non-text content types) and the AfterShip header', async () => {
    const response = await invoke(signed('aftership-delivered.json', { base64: true }));
    expect(response.statusCode).toBe(200);
    expect(putDetails().find((d) => d.status === 'DELIVERED')).toMatchObject({ facilityId: 'WH-ATL-1', weight: { value: 2.3, unit: 'kg' } });
  });

  it('puts the same scans again for a redelivered webhook (same scanIds, same details)', async () => {
    await invoke(signed('aftership-delivered.json'));
    const first = putDetails();
    eventBridge.resetHistory();
    await invoke(signed('aftership-delivered.json'));
    expect(putDetails()).toEqual(first);
  });

  it.each([
    ['a mis-signed body', () => urlEvent('/webhooks/aftership', body('aftership-delivered.json'), { 'aftership-hmac-sha256': signatureOf('aftership-delivered-elsewhere.json').value }), 401],
    ['an unsigned body', () => urlEvent('/webhooks/easypost', body('easypost-delivered.json'), {}), 401],
    [
      'a re-serialised body',
      () =>
        urlEvent('/webhooks/easypost', Buffer.from(JSON.stringify(JSON.parse(body('easypost-delivered.json').toString()), null, 2)), {
          'x-hmac-signature': signatureOf('easypost-delivered.json').value,
        }),
      401,
    ],
    ['a GET', () => signed('easypost-delivered.json', { method: 'GET' }), 405],
    ['an unknown provider', () => urlEvent('/webhooks/fedex', Buffer.from('{}'), {}), 404],
    ['another path', () => urlEvent('/', Buffer.from('{}'), {}), 404],
    ['a malformed path escape', () => urlEvent('/webhooks/%E0%A4%A', Buffer.from('{}'), {}), 404],
    ['a body over 1 MiB', () => urlEvent('/webhooks/aftership', Buffer.alloc(1024 * 1024 + 1, 0x20), { 'aftership-hmac-sha256': 'x' }), 413],
  ])('refuses %s with nothing put on the bus', async (_name, event, status) => {
    const response = await invoke(event());
    expect(response.statusCode).toBe(status);
    expect(JSON.parse(response.body!)).toHaveProperty('error');
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('answers 503 while the secret is still the placeholder the stack created', async () => {
    secretsManager.on(GetSecretValueCommand, { SecretId: ARN.aftership, VersionStage: 'AWSCURRENT' }).resolves({ SecretString: JSON.stringify({ [PLACEHOLDER_KEY]: 'x' }) });
    const response = await invoke(signed('aftership-delivered.json'));
    expect(response.statusCode).toBe(503);
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('accepts webhooks signed with the previous secret during a rotation', async () => {
    secretsManager.on(GetSecretValueCommand, { SecretId: ARN.aftership, VersionStage: 'AWSCURRENT' }).resolves({ SecretString: 'the-new-secret-0123456789abcdef0123456789', CreatedDate: new Date() });
    secretsManager.on(GetSecretValueCommand, { SecretId: ARN.aftership, VersionStage: 'AWSPREVIOUS' }).resolves({ SecretString: SECRETS.aftership });
    expect((await invoke(signed('aftership-delivered.json'))).statusCode).toBe(200);
  });

  it('puts again only the entries PutEvents failed, and answers 200 once all are on the bus', async () => {
    // Prepare: the first call fails the second entry (throttled), the retry succeeds
    let call = 0;
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => {
      call += 1;
      if (call === 1) return { FailedEntryCount: 1, Entries: input.Entries.map((_, i) => (i === 1 ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' } : { EventId: `e-${i}` })) };
      return { FailedEntryCount: 0, Entries: input.Entries.map((_, i) => ({ EventId: `r-${i}` })) };
    });
    // Act
    const response = await invoke(signed('aftership-delivered.json'));
    // Assess
    expect(response.statusCode).toBe(200);
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.args[0].input.Entries).toEqual([calls[0]!.args[0].input.Entries![1]]);
    expect(sqs).not.toHaveReceivedCommand(SendMessageCommand);
  });

  it('dead-letters what still fails after the retries and answers 503 so the provider re-sends', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 1,
      Entries: input.Entries.map((_, i) => (i === 0 ? { ErrorCode: 'InternalFailure', ErrorMessage: 'oops' } : { EventId: `e-${i}` })),
    }));
    const response = await invoke(signed('aftership-delivered.json'));
    expect(response.statusCode).toBe(503);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 3);
    expect(sqs).toHaveReceivedCommandTimes(SendMessageCommand, 1);
    const message = JSON.parse(sqs.commandCalls(SendMessageCommand)[0]!.args[0].input.MessageBody!);
    expect(message).toMatchObject({ entry: { Source: 'retail.carrier', DetailType: 'CarrierScan', EventBusName: BUS }, error: expect.stringContaining('InternalFailure') });
    expect(JSON.parse(message.entry.Detail).status).toBe('LABEL_CREATED');
  });

  it('splits more than 10 scans into PutEvents calls of at most 10', async () => {
    const scans = receiveFixture('easypost-delivered.json').envelopes;
    const many = [...scans, ...scans, ...scans].slice(0, 23);
    await new ScanBus({ eventBridge: new EventBridgeClient({ region: 'us-east-1' }), eventBusName: BUS, sqs: new SQSClient({ region: 'us-east-1' }), deadLetterQueueUrl: DLQ }).put(many);
    expect(eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries!.length)).toEqual([10, 10, 3]);
  });

  it('dead-letters every entry when PutEvents itself fails', async () => {
    eventBridge.on(PutEventsCommand).rejects(new Error('network down'));
    const response = await invoke(signed('aftership-delivered.json'));
    expect(response.statusCode).toBe(503);
    expect(sqs).toHaveReceivedCommandTimes(SendMessageCommand, 5);
  });

  it('accepts the previous secret only within the window after the rotation (24 hours unless configured), failing closed without a date', async () => {
    // Prepare: rotated at ROTATED; AWSPREVIOUS holds the old secret
    const ROTATED = Date.UTC(2026, 10, 2, 9, 0, 0);
    const [current, previous] = ['current-secret-0123456789abcdef012345', 'previous-secret-0123456789abcdef01234'];
    const at = (nowMs: number, created: Date | undefined, previousWindowMs?: number) => {
      secretsManager.reset();
      secretsManager.on(GetSecretValueCommand, { VersionStage: 'AWSCURRENT' }).resolves({ SecretString: current, ...(created ? { CreatedDate: created } : {}) });
      secretsManager.on(GetSecretValueCommand, { VersionStage: 'AWSPREVIOUS' }).resolves({ SecretString: previous, CreatedDate: new Date(ROTATED - 86_400_000 * 30) });
      const secrets = new WebhookSecrets(new SecretsManagerClient({ region: 'us-east-1' }), new Map([['ups', 'arn:ups']]), { nowMs: () => nowMs, ...(previousWindowMs ? { previousWindowMs } : {}) });
      return secrets.forProvider('ups');
    };
    // Act / Assess
    expect(await at(ROTATED + 3_600_000, new Date(ROTATED))).toEqual([current, previous]);
    expect(await at(ROTATED + 24 * 3_600_000, new Date(ROTATED))).toEqual([current]);
    expect(await at(ROTATED + 2 * 3_600_000, new Date(ROTATED), 3_600_000)).toEqual([current]);
    expect(await at(ROTATED + 60_000, undefined)).toEqual([current]);
  });

  it("puts UPS's published delivery example on the bus as the documented DELIVERED scan at the warehouse", async () => {
    const response = await invoke(urlEvent('/webhooks/ups', body('ups-delivered.json'), { credential: SECRETS.ups, 'user-agent': 'UPSPubSubTrackingService' }));
    expect(response.statusCode).toBe(200);
    expect(putDetails()).toEqual(receiveFile('ups', 'ups-delivered.json').scans);
    expect(putDetails()).toEqual([expect.objectContaining({ carrier: 'ups', trackingNumber: '1Z204W4R0308071865', status: 'DELIVERED', facilityId: 'WH-CLT-1', scannedAt: '2024-04-23T13:50:04.000Z' })]);
  });

  it('puts a signed live Shippo update on the bus, and refuses its published test example (403), an old t and a wrong UPS credential (401)', async () => {
    const live = body('shippo-delivered.json');
    const ok = await invoke(urlEvent('/webhooks/shippo', live, { 'shippo-auth-signature': independentSign.shippo(live) }));
    expect(ok.statusCode).toBe(200);
    expect(putDetails().map((d) => d.status)).toEqual(['PICKED_UP', 'OUT_FOR_DELIVERY', 'DELIVERED']);
    eventBridge.resetHistory();
    const published = body('shippo-track-updated.json');
    const refusals = [
      await invoke(urlEvent('/webhooks/shippo', published, { 'shippo-auth-signature': independentSign.shippo(published) })),
      await invoke(urlEvent('/webhooks/shippo', live, { 'shippo-auth-signature': independentSign.shippo(live, SECRETS.shippo, Date.now() - 600_000) })),
      await invoke(urlEvent('/webhooks/ups', body('ups-delivered.json'), { credential: `${SECRETS.ups}x` })),
    ];
    expect(refusals.map((r) => r.statusCode)).toEqual([403, 401, 401]);
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });
});

/*
 * `refund-gate explain` in AWS on a return whose item has left the table:
 * the command as the CLI runs it (runCommand over the command table), DynamoDB, S3 and
 * EventBridge mocked at the SDK (aws-sdk-client-mock).
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, ListObjectsV2Command, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { sdkStreamMixin } from '@smithy/core/serde';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDecisionHandler } from '../../functions/decision/app.js';
import { REVIEWER_TAG } from '../../shared/app/reviewer-identity.js';
import { lambdaContext } from '../support/lambda.js';
import { archiveLine } from '../../functions/archiver/app.js';
import { AwsBackend } from '../../cli/backends/aws.js';
import type { AwsClients } from '../../cli/backends/backend.js';
import type { CommandContext } from '../../cli/commands/common.js';
import { decide } from '../../cli/commands/decide.js';
import { ReviewToolError } from '../../cli/commands/errors.js';
import { ARCHIVE_BUCKET_ENV, archiveRange } from '../../cli/commands/explain.js';
import { runCommand } from '../../cli/cli.js';
import { commandNamed } from '../../cli/table.js';
import { StderrChannel } from '../../cli/channel.js';
import { explainReturn } from '../../shared/app/explain.js';
import { resolveSettings } from '../../shared/contract/config.js';
import { createDecider } from '../../shared/domain/decider.js';
import type { ReturnCommand, ReturnState } from '../../shared/domain/types.js';
import { packBody } from '../../shared/store/item-codec.js';
import { employeeFlagKey, returnKey } from '../../shared/store/keys.js';
import { authorize, decideReview, employeeFlag, RETURN_ID, recordReceipt, requestRefund, reviewDecided } from '../support/facts.js';
import { Logger } from '@aws-lambda-powertools/logger';

const settings = resolveSettings({});
const decider = createDecider(settings);
const stateAfter = (commands: readonly ReturnCommand[]): ReturnState =>
  commands.reduce((state, command) => decider.decide(command, state).reduce(decider.evolve, state), decider.initialState(RETURN_ID));

// A receipt by a flagged clerk, no carrier scan, released by a reviewer: closed, so archived.
const FLAG = employeeFlag();
const released = stateAfter([authorize(), requestRefund(), recordReceipt(undefined, FLAG), decideReview(reviewDecided({ reviewerId: 'lp-ana' }))]);
const NOW = Date.UTC(2026, 10, 30, 9, 0, 0);
const BUCKET = 'rg-evidence';
const KEY = 'returns/2026-11-29/49600000000000000000123-49600000000000000000130.jsonl.gz';

const dynamo = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);
const eventBridge = mockClient(EventBridgeClient);
const sts = mockClient(STSClient);

/** The object the archiver wrote for a batch holding the release (the item as the store writes it). */
function archivedObject(state: ReturnState): Uint8Array {
  const image = marshall({ ...returnKey(state.returnId), kind: 'return', status: state.status, version: 4, body: packBody(state, []) });
  image['body'] = { B: Buffer.from(image['body']!.B!).toString('base64') } as never;
  const line = archiveLine({ eventName: 'MODIFY', dynamodb: { SequenceNumber: '49600000000000000000130', ApproximateCreationDateTime: NOW / 1000 - 86_400, NewImage: image as never } });
  return gzipSync(`${line}\n`);
}

interface Run {
  readonly code: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
  readonly error: unknown;
}

async function explain(args: readonly string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const stream = { write: (text: string) => ((stderr += text), true), isTTY: false, columns: 80 } as unknown as NodeJS.WriteStream;
  const clients: AwsClients = {
    dynamo: new DynamoDBClient({ region: 'us-east-1' }),
    eventBridge: new EventBridgeClient({ region: 'us-east-1' }),
    sts: new STSClient({ region: 'us-east-1' }),
    s3: new S3Client({ region: 'us-east-1' }),
  };
  const ctx: CommandContext = {
    stderr: new StderrChannel(stream),
    stdout: (text) => void (stdout += text),
    usage: (message) => new Error(`usage: ${message}`),
    logger: new Logger({ logLevel: 'CRITICAL' }),
    clients,
    wallClock: () => NOW,
  };
  try {
    return { code: await runCommand(commandNamed('explain')!, args, ctx), stdout, stderr, error: undefined };
  } catch (error) {
    return { code: undefined, stdout, stderr, error };
  }
}

beforeEach(() => {
  dynamo.reset();
  s3.reset();
  eventBridge.reset();
  sts.reset();
  // The return's item has left the table; the clerk's flag is still there.
  dynamo.on(GetCommand).resolves({});
  dynamo.on(GetCommand, { Key: employeeFlagKey(FLAG.employeeId) }).resolves({ Item: { ...employeeFlagKey(FLAG.employeeId), ...FLAG } });
  s3.on(ListObjectsV2Command).resolves({ Contents: [], IsTruncated: false });
  s3.on(ListObjectsV2Command, { Prefix: 'returns/2026-11-29/' }).resolves({ Contents: [{ Key: KEY }], IsTruncated: false });
  s3.on(GetObjectCommand, { Key: KEY }).callsFake(() => ({ Body: sdkStreamMixin(Readable.from([Buffer.from(archivedObject(released))])) }));
});

afterEach(() => {
  delete process.env[ARCHIVE_BUCKET_ENV];
});

describe('explain in AWS, from the evidence archive', () => {
  it('explains a return the table no longer holds from its last archived image, as it would a live item (--json)', async () => {
    const run = await explain([RETURN_ID, '--table', 'refund-gate', '--region', 'us-east-1', '--archive-bucket', BUCKET, '--json']);
    expect(run.error).toBeUndefined();
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    const { archive, ...explanation } = out;
    // The same rendering as a live item with the same state and flags: only the archive field is added.
    expect(explanation).toEqual(JSON.parse(JSON.stringify(explainReturn({ state: released, sources: settings.sources, settings, employeeFlags: [FLAG] }))));
    expect(explanation.status).toBe('RELEASED');
    expect(explanation.evidence.receipts[0].employeeFlagged).toMatchObject({ flaggedUntil: FLAG.flaggedUntil });
    expect(archive).toEqual({
      source: 'evidence-archive',
      location: `s3://${BUCKET}`,
      key: KEY,
      line: 1,
      sequenceNumber: '49600000000000000000130',
      writtenAt: '2026-11-29T09:00:00.000Z',
      closed: true,
      employeeFlags: 'table',
      archivedFlags: 0,
    });
    // Default range: the last 90 days up to today, and the day before it (a batch is filed under its first record's day).
    const prefixes = s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input.Prefix);
    expect(prefixes).toHaveLength(91);
    expect(prefixes).toContain('returns/2026-09-01/');
    expect(prefixes).toContain('returns/2026-11-30/');
    expect(s3).toHaveReceivedCommandWith(ListObjectsV2Command, { Bucket: BUCKET });
    expect(run.stderr).toBe('');
  });

  it('prints the archive line above the usual text, takes the bucket from the environment and degrades without the flags', async () => {
    process.env[ARCHIVE_BUCKET_ENV] = BUCKET;
    dynamo.on(GetCommand, { Key: employeeFlagKey(FLAG.employeeId) }).rejects(Object.assign(new Error('not authorized to GetItem'), { name: 'AccessDeniedException' }));
    const run = await explain([RETURN_ID, '--table', 'refund-gate', '--region', 'us-east-1', '--from', '2026-11-29', '--to', '2026-11-29']);
    expect(run.error).toBeUndefined();
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('From the evidence archive: the return is closed and its item has left the table.');
    expect(lines[1]).toBe(`  object s3://${BUCKET}/${KEY} line 1 (sequence 49600000000000000000130, written 29 Nov 2026 09:00 UTC)`);
    expect(lines[2]).toMatch(/^ {2}employee flags could not be read from the table \(.*AccessDeniedException.*\): receipts show no insider flag/);
    expect(run.stdout).toContain(`Return ${RETURN_ID}: RELEASED`);
    expect(run.stdout).not.toContain('[employee flagged');
    expect(s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input.Prefix)).toEqual(['returns/2026-11-28/', 'returns/2026-11-29/']);

    const json = await explain([RETURN_ID, '--table', 'refund-gate', '--region', 'us-east-1', '--json']);
    expect(JSON.parse(json.stdout).archive.employeeFlags).toBe('unavailable');
  });

  it('reads a flag that has left the table from the archive (its TTL deletion), so the receipt still shows it was held by the flag', async () => {
    // The clerk's flag expired after the release: the table has none; the archiver kept its deletion.
    dynamo.on(GetCommand, { Key: employeeFlagKey(FLAG.employeeId) }).resolves({});
    const flagLine = archiveLine({
      eventName: 'REMOVE',
      dynamodb: { SequenceNumber: '49600000000000000000140', ApproximateCreationDateTime: NOW / 1000, OldImage: marshall({ ...employeeFlagKey(FLAG.employeeId), kind: 'employee-flag', ...FLAG }) as never },
    });
    const withFlag = gzipSync(`${gunzipSync(archivedObject(released)).toString('utf8')}${flagLine}\n`);
    s3.on(GetObjectCommand, { Key: KEY }).callsFake(() => ({ Body: sdkStreamMixin(Readable.from([withFlag])) }));
    const json = JSON.parse((await explain([RETURN_ID, '--table', 'refund-gate', '--region', 'us-east-1', '--archive-bucket', BUCKET, '--json'])).stdout);
    const { archive, ...explanation } = json;
    expect(explanation).toEqual(JSON.parse(JSON.stringify(explainReturn({ state: released, sources: settings.sources, settings, employeeFlags: [FLAG] }))));
    expect(explanation.evidence.receipts[0].employeeFlagged).toMatchObject({ anomalyReviewId: FLAG.anomalyReviewId, flaggedUntil: FLAG.flaggedUntil });
    expect(archive).toMatchObject({ employeeFlags: 'table', archivedFlags: 1 });
    const text = (await explain([RETURN_ID, '--table', 'refund-gate', '--region', 'us-east-1', '--archive-bucket', BUCKET])).stdout;
    expect(text.split('\n')[2]).toBe("  employee flags: 1 read from the evidence archive (they have left the table since), beside the table's");
    expect(text).toContain('[employee flagged until');
  });

  it('says how to find the bucket when none is given', async () => {
    const run = await explain([RETURN_ID, '--table', 'refund-gate', '--region', 'us-east-1']);
    expect(run.error).toBeInstanceOf(ReviewToolError);
    expect((run.error as Error).message).toMatch(/no return "r-1" in this table; .* give --archive-bucket <name> \(the stack output EvidenceArchiveBucketName\) or set REFUND_GATE_ARCHIVE_BUCKET$/);
    expect(s3).not.toHaveReceivedCommand(ListObjectsV2Command);
  });

  it('says what range was searched and how to widen it', async () => {
    const run = await explain(['r-elsewhere', '--table', 'refund-gate', '--region', 'us-east-1', '--archive-bucket', BUCKET, '--from', '2026-11-01']);
    expect(run.error).toBeInstanceOf(ReviewToolError);
    expect((run.error as Error).message).toBe(
      `no return "r-elsewhere" in this table, nor in the evidence archive s3://${BUCKET} from 2026-11-01 to 2026-11-30 (1 object read); search other days with --from YYYY-MM-DD and --to YYYY-MM-DD`,
    );
  });

  it('names the IAM action a denied read needs, in one line', async () => {
    s3.on(ListObjectsV2Command).rejects(new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'Access Denied' }));
    const run = await explain([RETURN_ID, '--table', 'refund-gate', '--region', 'us-east-1', '--archive-bucket', BUCKET]);
    expect(run.error).toBeInstanceOf(ReviewToolError);
    expect((run.error as Error).message).toContain(`needs s3:ListBucket on arn:aws:s3:::${BUCKET} (for the prefix returns/*)`);
  });

  it('refuses bad days and a bucket with --db before opening anything', async () => {
    expect((await explain([RETURN_ID, '--table', 't', '--from', '2026-02-30'])).error).toEqual(new Error('usage: --from: expected a day YYYY-MM-DD, got "2026-02-30"'));
    expect((await explain([RETURN_ID, '--table', 't', '--from', '2026-12-01'])).error).toEqual(new Error('usage: --from 2026-12-01 is after today (2026-11-30)'));
    expect((await explain([RETURN_ID, '--db', '/nonexistent', '--archive-bucket', BUCKET])).error).toMatchObject({ message: expect.stringMatching(/^usage: --archive-bucket goes with --table/) });
    expect(archiveRange(undefined, '2026-03-31', NOW, (m) => new Error(m))).toEqual({ from: '2026-01-01', to: '2026-03-31' });
    expect(dynamo).not.toHaveReceivedCommand(GetCommand);
  });
});

describe('decide on a return the table no longer holds', () => {
  it('says the return is closed and archived (or unknown) and submits nothing', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Arn: 'arn:aws:sts::123456789012:assumed-role/Reviewer/lp-ana' });
    const clients: AwsClients = { dynamo: new DynamoDBClient({ region: 'us-east-1' }), eventBridge: new EventBridgeClient({ region: 'us-east-1' }), sts: new STSClient({ region: 'us-east-1' }) };
    // The decision endpoint (functions/decision) reads the table, finds nothing, and puts nothing.
    const puts: unknown[] = [];
    const endpoint = createDecisionHandler({
      logger: new Logger({ logLevel: 'ERROR' }),
      tags: { tagsOf: async () => [{ Key: REVIEWER_TAG, Value: 'lp-ana' }] },
      reader: { returnState: async () => null, returnOfOpenReview: async () => null, isOpenAlert: async () => false, alertDecision: async () => null },
      put: async (detail) => {
        puts.push(detail);
        return 'ev';
      },
      now: () => NOW,
    });
    const fetchFake = (async (_url: string, init: { body: string }) => {
      const event = { body: init.body, requestContext: { accountId: '123456789012', http: { method: 'POST' }, authorizer: { iam: { userArn: 'arn:aws:sts::123456789012:assumed-role/Reviewer/lp-ana' } } } };
      const out = (await endpoint(event as never, lambdaContext('decision'))) as { statusCode: number; body: string };
      return new Response(out.body, { status: out.statusCode });
    }) as unknown as typeof fetch;
    const aws = new AwsBackend({ tableName: 'refund-gate', region: 'us-east-1', bus: 'retail', settings, waitSeconds: 0, pollMs: 0 }, { ...clients, decisionCall: { fetch: fetchFake, credentials: async () => ({ accessKeyId: 'AKID', secretAccessKey: 's' }) } }, () => NOW);
    const attempt = decide(aws, { reviewId: reviewDecided().reviewId, givenReturnId: RETURN_ID, decision: 'DENY', decisionUrl: 'https://abc.lambda-url.us-east-1.on.aws/' });
    await expect(attempt).rejects.toThrow(ReviewToolError);
    await expect(attempt).rejects.toThrow(/^return "r-1" is not in the table: its item expired .* nothing was submitted$/);
    expect(puts).toEqual([]);
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });
});

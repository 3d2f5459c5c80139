import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { GetObjectCommand, ListObjectsV2Command, NoSuchBucket, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { marshall } from '@aws-sdk/util-dynamodb';
import { sdkStreamMixin } from '@smithy/core/serde';
import type { Context, DynamoDBRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { Readable } from 'node:stream';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { archiveLine, createArchiverHandler } from '../../functions/archiver/app.js';
import { DirectoryArchive } from '../../shared/archive/directory.js';
import { ArchiveError, daysToList, findLastImage, type ArchiveProgress } from '../../shared/archive/reader.js';
import { S3Archive } from '../../shared/archive/s3.js';
import type { Effect, ReturnState } from '../../shared/domain/types.js';
import { packBody } from '../../shared/store/item-codec.js';
import { returnKey } from '../../shared/store/keys.js';

const s3 = mockClient(S3Client);
const BUCKET = 'evidence';
const DAY2 = Date.parse('2026-11-02T23:58:00Z') / 1000;
const DAY3 = Date.parse('2026-11-03T10:00:00Z') / 1000;

/** A closed return item's stream record as Lambda delivers it: compressed body, base64 binary. */
function record(seq: string, returnId: string, version: number, created = DAY3): DynamoDBRecord {
  const state = { returnId, status: 'RELEASED', version } as unknown as ReturnState;
  const outbox = [{ type: 'RefundReleased', effectId: `fx-${returnId}-${version}` }] as unknown as Effect[];
  const image = marshall({ ...returnKey(returnId), kind: 'return', status: 'RELEASED', version, body: packBody(state, outbox) });
  image['body'] = { B: Buffer.from(image['body']!.B!).toString('base64') } as never;
  return { eventName: 'MODIFY', dynamodb: { SequenceNumber: seq, ApproximateCreationDateTime: created, NewImage: image as never } };
}

/** One archive object's bytes, exactly as the archiver writes a batch. */
const object = (...records: DynamoDBRecord[]): Uint8Array => gzipSync(`${records.map(archiveLine).join('\n')}\n`);
const body = (bytes: Uint8Array) => sdkStreamMixin(Readable.from([Buffer.from(bytes)]));

beforeEach(() => {
  s3.reset();
  s3.on(ListObjectsV2Command).resolves({ Contents: [], IsTruncated: false });
});

describe('the days a search lists', () => {
  it('starts the day before the range (a batch is filed under its first record) and ends on its last day', () => {
    expect(daysToList('2026-11-03', '2026-11-05')).toEqual(['2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05']);
    expect(daysToList('2026-03-01', '2026-03-01')).toEqual(['2026-02-28', '2026-03-01']);
  });

  it('refuses impossible days, a reversed range and a range of centuries', () => {
    expect(() => daysToList('2026-02-30', '2026-03-01')).toThrow(ArchiveError);
    expect(() => daysToList('2026-11-05', '2026-11-03')).toThrow(/after/);
    expect(() => daysToList('1926-01-01', '2026-01-01')).toThrow(/longer than/);
  });
});

describe('reading the archive in S3', () => {
  it('pages through each day, reads every object and keeps the image with the highest sequence number', async () => {
    const k1 = 'returns/2026-11-02/99-99.jsonl.gz';
    const k2 = 'returns/2026-11-03/100-102.jsonl.gz';
    const k3 = 'returns/2026-11-03/1000-1000.jsonl.gz';
    // The day before the range: the batch that began there holds the return's first closed image.
    s3.on(ListObjectsV2Command, { Prefix: 'returns/2026-11-02/' }).resolves({ Contents: [{ Key: k1 }] });
    s3.on(ListObjectsV2Command, { Prefix: 'returns/2026-11-03/' })
      .resolvesOnce({ Contents: [{ Key: k3 }], IsTruncated: true, NextContinuationToken: 'page-2' })
      .resolves({ Contents: [{ Key: k2 }], IsTruncated: false });
    s3.on(GetObjectCommand, { Key: k1 }).callsFake(() => ({ Body: body(object(record('99', 'r-1', 1, DAY2))) }));
    // Another return in the same batch, and the return's later image in it.
    s3.on(GetObjectCommand, { Key: k2 }).callsFake(() => ({ Body: body(object(record('100', 'r-2', 4), record('102', 'r-1', 2))) }));
    // A later batch (1000 > 102 as numbers, not as text): the last image wins.
    s3.on(GetObjectCommand, { Key: k3 }).callsFake(() => ({ Body: body(object(record('1000', 'r-1', 3))) }));

    const progress: ArchiveProgress[] = [];
    const result = await findLastImage(new S3Archive(new S3Client({ region: 'us-east-1' }), BUCKET), {
      returnId: 'r-1',
      from: '2026-11-03',
      to: '2026-11-04',
      onProgress: (p) => progress.push(p),
    });

    expect(result.days).toEqual(['2026-11-02', '2026-11-03', '2026-11-04']);
    expect(result.objects).toBe(3);
    expect(result.image).toMatchObject({ key: k3, line: 1, sequenceNumber: '1000', eventName: 'MODIFY', approximateCreation: DAY3 });
    expect(result.image!.item).toMatchObject({ kind: 'return', status: 'RELEASED', version: 3, state: { returnId: 'r-1', version: 3 } });
    expect(result.image!.item['outbox']).toEqual([{ type: 'RefundReleased', effectId: 'fx-r-1-3' }]);
    expect(s3).toHaveReceivedCommandWith(ListObjectsV2Command, { Bucket: BUCKET, Prefix: 'returns/2026-11-03/', ContinuationToken: 'page-2' });
    expect(s3).toHaveReceivedCommandTimes(ListObjectsV2Command, 4);
    expect(s3).toHaveReceivedCommandTimes(GetObjectCommand, 3);
    expect(progress.at(-1)).toEqual({ phase: 'read', done: 3, total: 3 });
    expect(progress.filter((p) => p.phase === 'list').at(-1)).toEqual({ phase: 'list', done: 3, total: 3 });
  });

  it('prefers the later image whatever order the objects are read in (same return, two batches)', async () => {
    s3.on(ListObjectsV2Command, { Prefix: 'returns/2026-11-03/' }).resolves({
      Contents: [{ Key: 'returns/2026-11-03/210-215.jsonl.gz' }, { Key: 'returns/2026-11-03/200-212.jsonl.gz' }],
    });
    s3.on(GetObjectCommand, { Key: 'returns/2026-11-03/210-215.jsonl.gz' }).callsFake(() => ({ Body: body(object(record('210', 'r-9', 1), record('215', 'r-9', 2))) }));
    s3.on(GetObjectCommand, { Key: 'returns/2026-11-03/200-212.jsonl.gz' }).callsFake(() => ({ Body: body(object(record('200', 'r-8', 1), record('212', 'r-9', 7))) }));
    const result = await findLastImage(new S3Archive(new S3Client({ region: 'us-east-1' }), BUCKET), { returnId: 'r-9', from: '2026-11-03', to: '2026-11-03', concurrency: 1 });
    expect(result.image).toMatchObject({ key: 'returns/2026-11-03/210-215.jsonl.gz', line: 2, sequenceNumber: '215' });
  });

  it('finds a line whose item still holds the compressed body (an archiver that wrote the raw item), by its key', async () => {
    const raw = record('300', 'r#odd', 4);
    const item = Object.fromEntries(Object.entries(raw.dynamodb!.NewImage!).map(([k, v]) => [k, (v as { S?: string; N?: string; B?: string }).S ?? (v as { B?: string }).B ?? Number((v as { N: string }).N)]));
    const line = JSON.stringify({ sequenceNumber: '300', eventName: 'MODIFY', item });
    s3.on(ListObjectsV2Command, { Prefix: 'returns/2026-11-03/' }).resolves({ Contents: [{ Key: 'returns/2026-11-03/300-300.jsonl.gz' }] });
    s3.on(GetObjectCommand).callsFake(() => ({ Body: body(gzipSync(`${line}\n`)) }));
    const result = await findLastImage(new S3Archive(new S3Client({ region: 'us-east-1' }), BUCKET), { returnId: 'r#odd', from: '2026-11-03', to: '2026-11-03' });
    expect(result.image).toMatchObject({ sequenceNumber: '300', line: 1 });
  });

  it('reads only the archiver\'s objects: a console folder marker or a stray file under a day is skipped', async () => {
    s3.on(ListObjectsV2Command, { Prefix: 'returns/2026-11-03/' }).resolves({
      Contents: [{ Key: 'returns/2026-11-03/' }, { Key: 'returns/2026-11-03/notes.txt' }, { Key: 'returns/2026-11-03/5-5.jsonl.gz' }],
    });
    s3.on(GetObjectCommand, { Key: 'returns/2026-11-03/5-5.jsonl.gz' }).callsFake(() => ({ Body: body(object(record('5', 'r-5', 1))) }));
    const result = await findLastImage(new S3Archive(new S3Client({ region: 'us-east-1' }), BUCKET), { returnId: 'r-5', from: '2026-11-03', to: '2026-11-03' });
    expect(result).toMatchObject({ objects: 1, image: { key: 'returns/2026-11-03/5-5.jsonl.gz' } });
    expect(s3).toHaveReceivedCommandTimes(GetObjectCommand, 1);
  });

  it('finds nothing when no object holds the return', async () => {
    s3.on(ListObjectsV2Command, { Prefix: 'returns/2026-11-03/' }).resolves({ Contents: [{ Key: 'returns/2026-11-03/1-1.jsonl.gz' }] });
    s3.on(GetObjectCommand).callsFake(() => ({ Body: body(object(record('1', 'r-10', 1))) }));
    // "r-1" is a prefix of "r-10": only the exact id matches.
    const result = await findLastImage(new S3Archive(new S3Client({ region: 'us-east-1' }), BUCKET), { returnId: 'r-1', from: '2026-11-03', to: '2026-11-03' });
    expect(result).toEqual({ image: null, flags: [], days: ['2026-11-02', '2026-11-03'], objects: 1 });
  });

  it('names the object when it is not gzipped JSON lines', async () => {
    s3.on(ListObjectsV2Command, { Prefix: 'returns/2026-11-03/' }).resolves({ Contents: [{ Key: 'returns/2026-11-03/5-6.jsonl.gz' }] });
    s3.on(GetObjectCommand).callsFake(() => ({ Body: body(Buffer.from('not gzip at all')) }));
    const search = { returnId: 'r-1', from: '2026-11-03', to: '2026-11-03' };
    const archive = new S3Archive(new S3Client({ region: 'us-east-1' }), BUCKET);
    await expect(findLastImage(archive, search)).rejects.toThrow(ArchiveError);
    await expect(findLastImage(archive, search)).rejects.toThrow('s3://evidence/returns/2026-11-03/5-6.jsonl.gz: not a gzipped archive object');

    // A truncated line that mentions the return.
    const good = archiveLine(record('7', 'r-1', 1));
    s3.on(GetObjectCommand).callsFake(() => ({ Body: body(gzipSync(`${good}\n${good.slice(0, -20)}\n`)) }));
    await expect(findLastImage(archive, search)).rejects.toThrow('s3://evidence/returns/2026-11-03/5-6.jsonl.gz line 2: not JSON');
  });

  it('says which IAM action a denial needs, and which output names the bucket', async () => {
    const archive = new S3Archive(new S3Client({ region: 'us-east-1' }), BUCKET);
    const search = { returnId: 'r-1', from: '2026-11-03', to: '2026-11-03' };
    const denied = () => new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'Access Denied' });

    s3.on(ListObjectsV2Command).rejects(denied());
    await expect(findLastImage(archive, search)).rejects.toThrow(
      'access denied to list s3://evidence/returns/2026-11-02/: your AWS identity needs s3:ListBucket on arn:aws:s3:::evidence (for the prefix returns/*)',
    );

    s3.reset();
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'returns/2026-11-03/1-1.jsonl.gz' }] });
    s3.on(GetObjectCommand).rejects(denied());
    await expect(findLastImage(archive, search)).rejects.toThrow('your AWS identity needs s3:GetObject on arn:aws:s3:::evidence/returns/*');

    s3.reset();
    s3.on(ListObjectsV2Command).rejects(new NoSuchBucket({ $metadata: { httpStatusCode: 404 }, message: 'The specified bucket does not exist' }));
    await expect(findLastImage(archive, search)).rejects.toThrow("no bucket evidence: give the stack's EvidenceArchiveBucketName output as --archive-bucket");
  });

  it('skips an object that expired between the listing and the read', async () => {
    s3.on(ListObjectsV2Command, { Prefix: 'returns/2026-11-03/' }).resolves({ Contents: [{ Key: 'returns/2026-11-03/1-1.jsonl.gz' }, { Key: 'returns/2026-11-03/2-2.jsonl.gz' }] });
    s3.on(GetObjectCommand, { Key: 'returns/2026-11-03/1-1.jsonl.gz' }).rejects(new S3ServiceException({ name: 'NoSuchKey', $fault: 'client', $metadata: { httpStatusCode: 404 } }));
    s3.on(GetObjectCommand, { Key: 'returns/2026-11-03/2-2.jsonl.gz' }).callsFake(() => ({ Body: body(object(record('2', 'r-1', 1))) }));
    const result = await findLastImage(new S3Archive(new S3Client({ region: 'us-east-1' }), BUCKET), { returnId: 'r-1', from: '2026-11-03', to: '2026-11-03' });
    expect(result.image?.sequenceNumber).toBe('2');
  });
});

describe('reading the archive in a directory', () => {
  const root = mkdtempSync(join(tmpdir(), 'rg-archive-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const context = { functionName: 'archiver', awsRequestId: 'req-1' } as Context;

  it('reads back what the real archiver wrote through it, the last image winning', async () => {
    const dir = join(root, 'a');
    const archive = new DirectoryArchive(dir);
    const handler = createArchiverHandler({ sink: archive, logger: new Logger({ logLevel: 'ERROR' }), metrics: new Metrics({ namespace: 'T' }) });
    await handler({ Records: [record('000000000000000000098', 'RMA-1', 1, DAY2), record('000000000000000000099', 'RMA-2', 1, DAY2)] }, context);
    await handler({ Records: [record('000000000000000000105', 'RMA-1', 2)] }, context);

    expect(await archive.list('returns/2026-11-02/')).toEqual(['returns/2026-11-02/000000000000000000098-000000000000000000099.jsonl.gz']);
    const result = await findLastImage(archive, { returnId: 'RMA-1', from: '2026-11-03', to: '2026-11-30' });
    expect(result.objects).toBe(2);
    expect(result.image).toMatchObject({ key: 'returns/2026-11-03/000000000000000000105-000000000000000000105.jsonl.gz', sequenceNumber: '000000000000000000105' });
    expect(result.image!.item).toMatchObject({ version: 2, state: { returnId: 'RMA-1' } });
    expect(archive.location).toBe(dir);
  });

  it('has nothing where no run archived anything, and refuses keys that leave the directory', async () => {
    const archive = new DirectoryArchive(join(root, 'never-written'));
    expect(await findLastImage(archive, { returnId: 'RMA-1', from: '2026-11-03', to: '2026-11-03' })).toEqual({ image: null, flags: [], days: ['2026-11-02', '2026-11-03'], objects: 0 });
    await expect(archive.put('../outside.jsonl.gz', new Uint8Array())).rejects.toThrow(ArchiveError);
    await expect(archive.get('/etc/passwd')).rejects.toThrow(ArchiveError);
  });

  it('names the corrupt file', async () => {
    const dir = join(root, 'corrupt');
    const archive = new DirectoryArchive(dir);
    await archive.put('returns/2026-11-03/1-2.jsonl.gz', gzipSync('{"sequenceNumber":"1","item":{"kind":"return","state":{"returnId":"RMA-1"}}}\n'));
    writeFileSync(join(dir, 'returns/2026-11-03/3-4.jsonl.gz'), 'truncated');
    await expect(findLastImage(archive, { returnId: 'RMA-1', from: '2026-11-03', to: '2026-11-03' })).rejects.toThrow(
      `${dir}/returns/2026-11-03/3-4.jsonl.gz: not a gzipped archive object`,
    );
  });
});

import { GetObjectCommand, ListObjectsV2Command, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { ARCHIVE_PREFIX, ArchiveError, type ArchiveStore } from './reader.js';

/**
 * The evidence archive in its S3 bucket (infra/constructs/evidence-archive.ts),
 * read with the caller's credentials: `s3:ListBucket` (prefix `returns/`) and
 * `s3:GetObject` on `returns/*` (docs/analysts/tools.md). Objects in Glacier
 * Instant Retrieval read like any other.
 */
export class S3Archive implements ArchiveStore {
  public readonly location: string;

  public constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {
    this.location = `s3://${bucket}`;
  }

  public async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      let page: ListObjectsV2CommandOutput;
      try {
        page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      } catch (error) {
        throw this.problem(error, 'list', prefix);
      }
      // Only the archiver's objects: a console "folder" marker or a stray file is not evidence.
      for (const object of page.Contents ?? []) if (object.Key?.endsWith('.jsonl.gz')) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return keys;
  }

  public async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (out.Body === undefined) throw new ArchiveError(`${this.location}/${key}: S3 returned no body`);
      return await out.Body.transformToByteArray();
    } catch (error) {
      // Listed a moment ago, expired since (the lifecycle's end of retention): nothing to read.
      if (nameOf(error) === 'NoSuchKey') return undefined;
      if (error instanceof ArchiveError) throw error;
      throw this.problem(error, 'read', key);
    }
  }

  /** One line that says what to do: the IAM action a denial needs, the output that names the bucket. */
  private problem(error: unknown, doing: 'list' | 'read', path: string): ArchiveError {
    const name = nameOf(error);
    const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
    const where = `${this.location}/${path}`;
    const context = { bucket: this.bucket, path, error: name };
    if (name === 'NoSuchBucket') {
      return new ArchiveError(`no bucket ${this.bucket}: give the stack's EvidenceArchiveBucketName output as --archive-bucket`, { cause: error, context });
    }
    if (name === 'AccessDenied' || status === 403) {
      const need =
        doing === 'list'
          ? `s3:ListBucket on arn:aws:s3:::${this.bucket} (for the prefix ${ARCHIVE_PREFIX}*)`
          : `s3:GetObject on arn:aws:s3:::${this.bucket}/${ARCHIVE_PREFIX}*`;
      return new ArchiveError(`access denied to ${doing} ${where}: your AWS identity needs ${need} (docs/analysts/tools.md)`, { cause: error, context });
    }
    const message = error instanceof Error ? error.message : String(error);
    return new ArchiveError(`cannot ${doing} ${where}: ${name}${message && message !== name ? `: ${message}` : ''}`, { cause: error, context });
  }
}

function nameOf(error: unknown): string {
  return error instanceof Error ? error.name : String(error);
}

import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { requireEnv } from '../../shared/app/environment.js';
import { createTelemetry } from '../../shared/app/telemetry.js';
import { createArchiverHandler } from './app.js';

const { logger, metrics } = createTelemetry();
const s3 = new S3Client({});
const bucket = requireEnv(process.env, 'ARCHIVE_BUCKET');

export const handler = createArchiverHandler({
  logger,
  metrics,
  sink: {
    put: async (key, body) => {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/gzip' }));
    },
  },
});

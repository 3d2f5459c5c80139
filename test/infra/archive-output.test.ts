import { describe, expect, it } from 'vitest';
import { synth } from './support.js';

describe('the evidence archive bucket output', () => {
  it('names the bucket the archiver writes to, for explain --archive-bucket', () => {
    const s = synth();
    const bucket = s.id(s.stack.refundGate.evidenceArchiveBucket);
    expect(s.template.findOutputs('EvidenceArchiveBucketName')).toEqual({
      EvidenceArchiveBucketName: expect.objectContaining({ Value: { Ref: bucket } }),
    });
    const archiver = s.template.toJSON()['Resources'][s.id(s.stack.refundGate.archiverFunction)]['Properties']['Environment']['Variables'];
    expect(archiver['ARCHIVE_BUCKET']).toEqual({ Ref: bucket });
  });
});

import { describe, expect, it } from 'vitest';
import { evidenceTime, readableTime } from '../../cli/time-text.js';

describe('times for a person (cli/time-text.ts)', () => {
  it('writes an instant in UTC with day, month and year, minutes only by default', () => {
    expect(readableTime('2026-11-02T02:23:00.000Z')).toBe('2 Nov 2026 02:23 UTC');
    expect(readableTime('2026-11-02T02:23:41Z')).toBe('2 Nov 2026 02:23 UTC');
    // An offset is turned into UTC, not dropped.
    expect(readableTime('2026-11-01T21:23:00-05:00')).toBe('2 Nov 2026 02:23 UTC');
    expect(readableTime('2026-12-31T23:59:00.250000000+00:00')).toBe('31 Dec 2026 23:59 UTC');
  });

  it('leaves the year out only when it is the one given (a summary of one day)', () => {
    expect(readableTime('2026-11-02T02:23:00Z', { year: 2026 })).toBe('2 Nov 02:23 UTC');
    expect(readableTime('2025-03-01T10:00:00Z', { year: 2026 })).toBe('1 Mar 2025 10:00 UTC');
  });

  it('shows seconds, for evidence, only when the time has them', () => {
    expect(evidenceTime('2026-11-02T02:23:00.000Z')).toBe('2 Nov 2026 02:23 UTC');
    expect(evidenceTime('2026-11-02T02:23:41.000Z')).toBe('2 Nov 2026 02:23:41 UTC');
    expect(evidenceTime('2026-11-02T02:23:00.500Z')).toBe('2 Nov 2026 02:23:00 UTC');
  });

  it('returns anything that is not an ISO 8601 time with an offset as it came', () => {
    for (const text of ['', 'soon', '2026-11-02', '2026-11-02T02:23:00', '1', 'March 7, 2026', '2026-13-45T99:99:00Z', 'rv#2026-11-02T02:23:00Z']) {
      expect(readableTime(text)).toBe(text);
    }
  });
});

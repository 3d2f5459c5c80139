import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LATEST_JSON, PERFORMANCE_DOC, performanceMarkdown, type BenchResult } from '../../infra/bench/report.js';

const ROOT = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, ROOT), 'utf8');

describe('docs/maintainers/performance.md', () => {
  const latest = JSON.parse(read(LATEST_JSON)) as BenchResult;

  it('is the rendering of the latest benchmark run (run `npm run bench:report` after `npm run bench`)', () => {
    expect(read(PERFORMANCE_DOC)).toBe(performanceMarkdown(latest));
  });

  it('says "missed" for a target the run missed, and "met" for one it met', () => {
    const missed = performanceMarkdown({ ...latest, throughput: { ...latest.throughput!, ratio: latest.targets.throughputRatio - 0.1 } });
    const metRun = performanceMarkdown({ ...latest, throughput: { ...latest.throughput!, ratio: latest.targets.throughputRatio + 0.1 } });
    const row = (doc: string) => doc.split('\n').find((l) => l.startsWith('| pipeline throughput'));
    expect(row(missed)).toMatch(/\*\*missed\*\* \|$/);
    expect(row(metRun)).toMatch(/\| met \|$/);
  });
});

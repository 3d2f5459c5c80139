import { describe, expect, it } from 'vitest';
import type { StderrChannel } from '../../cli/channel.js';
import { Progress } from '../../cli/progress.js';

/** A terminal that keeps the last status line, and a clock the test moves. */
function setup(total: number) {
  let now = 0;
  let status = '';
  const channel = { isTTY: true, columns: 200, setStatus: (s: string) => (status = s), endStatus: () => {}, line: () => {} } as unknown as StderrChannel;
  const progress = new Progress(channel, 'demo', total, () => '', () => now);
  return {
    at: (ms: number, done: number) => {
      now = ms;
      progress.update(done);
      return status;
    },
  };
}

describe('the progress estimate', () => {
  it('shows no ETA before 10% of the work or 5 s', () => {
    const p = setup(1000);
    expect(p.at(1_000, 20)).not.toContain('left');
    expect(p.at(3_000, 60)).not.toContain('left');
  });

  it('estimates from recent throughput, not from a slow start', () => {
    // A slow start (20 events in 4 s while DynamoDB Local warms up), then 100 events/s.
    const p = setup(10_000);
    p.at(4_000, 20);
    let status = '';
    for (let t = 5_000; t <= 20_000; t += 1_000) status = p.at(t, 20 + ((t - 4_000) / 1_000) * 100);
    // At 20 s: 1,620 done, 8,380 left at 100/s ≈ 84 s; the whole-run average (81/s) would say 103 s.
    expect(status).toMatch(/~84 s left/);
  });

  it('says nothing when no progress is being made', () => {
    const p = setup(1000);
    p.at(1_000, 500);
    expect(p.at(12_000, 500)).not.toContain('left');
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DbDirInUseError, DbDirSettingsError, openLocalDb } from '../../cli/db-dir.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rg-dbdir-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('a kept --db directory', () => {
  it('remembers the settings and the snapshot for the next command', async () => {
    const first = await openLocalDb(dir, { skew: 'PT5M' });
    expect(first.resume).toBeUndefined();
    await first.save({ clock: '2026-11-20T14:05:00.000Z', lastSweep: '2026-11-20T14:05:00.000Z', stream: [{ shardId: 's-1', sequenceNumber: '42' }] });
    await first.release();

    const second = await openLocalDb(dir, undefined);
    expect(second.settings.skewMs).toBe(5 * 60_000);
    expect(second.resume).toEqual({ clock: '2026-11-20T14:05:00.000Z', lastSweep: '2026-11-20T14:05:00.000Z', stream: [{ shardId: 's-1', sequenceNumber: '42' }] });
    await second.release();
  });

  it('refuses other settings than the data was made with', async () => {
    const first = await openLocalDb(dir, {});
    await first.save({ clock: undefined, lastSweep: undefined, stream: [] });
    await first.release();
    await expect(openLocalDb(dir, { maxHold: 'P1D' })).rejects.toThrow(DbDirSettingsError);
    // The same settings written another way are the same settings.
    const same = await openLocalDb(dir, { maxHold: 'P14D' });
    await same.release();
  });

  it('is used by one command at a time; a lock left by a finished process is taken over', async () => {
    writeFileSync(join(dir, 'refund-gate.lock'), String(process.ppid));
    await expect(openLocalDb(dir, undefined)).rejects.toThrow(DbDirInUseError);

    writeFileSync(join(dir, 'refund-gate.lock'), '2147483646');
    const db = await openLocalDb(dir, undefined);
    expect(readFileSync(join(dir, 'refund-gate.lock'), 'utf8')).toBe(String(process.pid));
    await db.release();
  });
});

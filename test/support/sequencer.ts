import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take longest (measured in a fresh clone through .ci/run on
 * the 2-core machine, 2026-12-07, slowest first). Vitest runs the files it has timed before slowest first, but a
 * fresh clone (CI) has no timings and would run them in glob order, leaving
 * a minute-long file to start last: these start first.
 */
export const SLOWEST = [
  'test/infra/app.test.ts',
  'test/integration/review-tools.test.ts',
  'test/reliability/identity.test.ts',
  'test/integration/db-server.test.ts',
  'test/docs/doc-examples.test.ts',
  'test/integration/demo.test.ts',
  'test/integration/review-console.test.ts',
  'test/integration/archive-explain.test.ts',
  'test/infra/cfn-lint.test.ts',
  'test/integration/serve.test.ts',
  'test/integration/cli.test.ts',
  'test/reliability/ingest-faults.test.ts',
];

export class SlowestFirst extends BaseSequencer {
  public override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification): number => {
      const i = SLOWEST.findIndex((path) => file.moduleId.endsWith(`/${path}`));
      return i < 0 ? SLOWEST.length : i;
    };
    return sorted
      .map((file, i) => ({ file, i, rank: rank(file) }))
      .sort((a, b) => a.rank - b.rank || a.i - b.i)
      .map(({ file }) => file);
  }
}

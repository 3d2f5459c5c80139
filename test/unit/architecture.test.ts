import { describe, expect, it } from 'vitest';
import { cycles, importGraph, layerOf, outwardArrows } from '../../scripts/import-graph.js';

describe('the import graph (scripts/import-graph.ts)', () => {
  const graph = importGraph();

  it('reads the project: every product source is in a layer, and the graph has arrows', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect([...graph.keys()].filter((f) => layerOf(f) === undefined)).toEqual([]);
    expect(graph.get('shared/store/reviews.ts')).toContain('shared/domain/review-queue.ts');
  });

  it('has no arrow from an inner layer to an outer one (domain ← contract ← app ← adapters ← entry points)', () => {
    expect(outwardArrows(graph)).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('finds a cycle and an outward arrow when there is one', () => {
    const bad = new Map([
      ['shared/domain/a.ts', ['shared/app/b.ts']],
      ['shared/app/b.ts', ['shared/domain/a.ts']],
    ]);
    expect(cycles(bad)).toEqual([['shared/app/b.ts', 'shared/domain/a.ts']]);
    expect(outwardArrows(bad)).toEqual([['shared/domain/a.ts', 'shared/app/b.ts']]);
  });
});

import { describe, expect, it } from 'vitest';
import { largestRecipientsBitmap, type PlanNode } from './evaluate.ts';

const bitmapHeap = (relation: string, bitmapRows: number): PlanNode => ({
  'Node Type': 'Bitmap Heap Scan',
  'Relation Name': relation,
  'Plan Rows': 10,
  Plans: [{ 'Node Type': 'BitmapOr', 'Plan Rows': bitmapRows, Plans: [{ 'Node Type': 'Bitmap Index Scan', 'Plan Rows': bitmapRows }] }],
});

describe('largestRecipientsBitmap', () => {
  it('reads the bitmap size under a bitmap scan of recipients, however deep in the plan', () => {
    const plan: PlanNode = {
      'Node Type': 'Aggregate',
      Plans: [{ 'Node Type': 'Gather', Plans: [{ 'Node Type': 'Hash Join', Plans: [bitmapHeap('recipients', 250_000), bitmapHeap('recipients', 900)] }] }],
    };
    expect(largestRecipientsBitmap(plan)).toBe(250_000);
  });

  it('reads the widest side of a BitmapAnd', () => {
    const and: PlanNode = {
      'Node Type': 'Bitmap Heap Scan',
      'Relation Name': 'recipients',
      Plans: [{ 'Node Type': 'BitmapAnd', 'Plan Rows': 3_000, Plans: [{ 'Node Type': 'Bitmap Index Scan', 'Plan Rows': 250_000 }, { 'Node Type': 'Bitmap Index Scan', 'Plan Rows': 12_000 }] }],
    };
    expect(largestRecipientsBitmap(and)).toBe(250_000);
  });

  it('ignores bitmap scans of other tables and plans without one', () => {
    expect(largestRecipientsBitmap({ 'Node Type': 'Aggregate', Plans: [bitmapHeap('events', 500_000)] })).toBe(0);
    expect(largestRecipientsBitmap({ 'Node Type': 'Seq Scan', 'Relation Name': 'recipients', 'Plan Rows': 1_000_000 })).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { SlotList } from '../../src/client/slot-list.ts';

interface Member {
  name: string;
  at: number;
  other: number;
}
const member = (name: string): Member => ({ name, at: -1, other: -1 });

describe('SlotList', () => {
  it('removes any member, keeps every position right, and ignores a second add or remove', () => {
    const list = new SlotList<'at', Member>('at');
    const ms = ['a', 'b', 'c', 'd', 'e'].map(member);
    for (const m of ms) list.add(m);
    list.add(ms[1]!);
    expect(list.length).toBe(5);
    expect(list.remove(ms[1]!)).toBe(true); // from the middle: the last member takes its slot
    expect(list.remove(ms[1]!)).toBe(false);
    expect(list.remove(ms[4]!)).toBe(true); // the last slot itself
    expect(list.remove(ms[0]!)).toBe(true); // the first
    expect(ms[1]!.at).toBe(-1);
    expect(list.snapshot().map((m) => m.name).sort()).toEqual(['c', 'd']);
    for (const m of list.snapshot()) expect(list.snapshot()[m.at]).toBe(m);
    expect(list.has(ms[0]!)).toBe(false);
    expect(list.has(ms[2]!)).toBe(true);
  });

  it('two lists keep one object by different fields, and a member of one is not taken for a member of the other', () => {
    const first = new SlotList<'at', Member>('at');
    const second = new SlotList<'other', Member>('other');
    const [a, b] = [member('a'), member('b')];
    first.add(a);
    second.add(b);
    second.add(a);
    expect([a.at, a.other, b.other]).toEqual([0, 1, 0]);
    expect(first.has(b)).toBe(false); // b.at is −1
    b.at = 0; // a stale or foreign position still does not make b a member: the slot holds a
    expect(first.has(b)).toBe(false);
    expect(first.remove(b)).toBe(false);
    expect(first.snapshot()).toEqual([a]);
  });

  it('a snapshot can be walked while its members are removed', () => {
    const list = new SlotList<'at', Member>('at');
    const ms = Array.from({ length: 10 }, (_, i) => member(String(i)));
    for (const m of ms) list.add(m);
    const seen: string[] = [];
    for (const m of list.snapshot()) {
      seen.push(m.name);
      list.remove(m);
    }
    expect(seen).toHaveLength(10);
    expect(list.length).toBe(0);
  });
});

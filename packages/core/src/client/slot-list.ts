// A list that objects join and leave often and briefly (a request in flight, a response lingering after [DONE]),
// with O(1) removal of any member: each member keeps its own position in a numeric field named by the list (−1
// when it is not in it), and a removal moves the last member into the freed slot.
//
// Why not a Set or a Map: one that lives for a whole run and churns an entry per request is rehashed every few
// dozen operations, and V8's OrderedHashTable::Rehash (src/objects/ordered-hash-table.cc) copies the live entries
// into a new table allocated in the old table's generation, leaving the retired table with all its entries
// (linked to its successor for live iterators). Once a full GC had moved the table to old space, every retired
// table was a dead old-space object still pointing at the young requests it had held; the scavenger takes
// old-to-young pointers as roots, so each of those requests, with its record and response buffers, survived and
// was promoted until the next full GC — which left a new old-space table to start over with. Measured with the
// client at 64 connections × 16 tokens and one gc() forced at 2 s: 179–224 MB promoted in the next 3 s against
// ~3 MB with this list (5 of 5 runs each), 9.8–12.3k against 12.5–16.5k requests/s; in the bench a third of runs
// fell into it unforced (~100–190 instead of ~65 µs of client CPU per stream). In isolation (one entry in and one
// out per operation, 64 live, a full GC at 1 s): a Map or Set spent 1.8 s of the next 2.9 s in scavenges with 40
// full GCs, a plain object used as a dictionary 0.34 s and 4–5. This list's backing store is only reallocated
// when it grows, and a freed slot is overwritten or popped, so nothing dead points at a member that left.
export class SlotList<K extends string, T extends Record<K, number>> {
  private readonly items: T[] = [];
  /** `slot` names the member's field that holds its position in this list. */
  constructor(private readonly slot: K) {}

  get length(): number {
    return this.items.length;
  }

  /** Add `item` (no-op when it is already in). */
  add(item: T): void {
    if (this.has(item)) return;
    (item as Record<K, number>)[this.slot] = this.items.length;
    this.items.push(item);
  }

  has(item: T): boolean {
    const i = item[this.slot];
    return i >= 0 && this.items[i] === item;
  }

  /** Remove `item`; false when it was not in the list. */
  remove(item: T): boolean {
    if (!this.has(item)) return false;
    const i = item[this.slot];
    (item as Record<K, number>)[this.slot] = -1;
    const last = this.items.pop()!;
    if (last !== item) {
      this.items[i] = last;
      (last as Record<K, number>)[this.slot] = i;
    }
    return true;
  }

  /** The members now, as a copy: safe to iterate while members are removed. */
  snapshot(): T[] {
    return this.items.slice();
  }
}

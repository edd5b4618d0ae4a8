// A set that forgets its oldest members beyond a capacity: long-running replicas remember
// recent MIDs without growing forever (a Set iterates in insertion order).
export class BoundedSet<T> {
  private readonly items = new Set<T>();

  constructor(private readonly capacity: number) {}

  has(item: T): boolean {
    return this.items.has(item);
  }

  /** Adds `item`; returns false if it was already there. */
  add(item: T): boolean {
    if (this.items.has(item)) return false;
    if (this.items.size >= this.capacity) {
      const oldest = this.items.values().next();
      if (!oldest.done) this.items.delete(oldest.value);
    }
    this.items.add(item);
    return true;
  }

  get size(): number {
    return this.items.size;
  }
}

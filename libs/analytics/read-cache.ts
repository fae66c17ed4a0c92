/**
 * Shares the answer of an expensive read: requests in flight at the same time wait for one
 * computation, and its answer is kept for `ttlMs` (0: only in-flight sharing). Per process, bounded.
 */
export class ReadCache<T> {
  private readonly entries = new Map<string, { at: number; value: Promise<T> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly max = 1000,
  ) {}

  get(key: string, compute: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && (hit.at === -1 || now - hit.at < this.ttlMs)) return hit.value;
    const entry = { at: -1, value: compute() };
    if (this.entries.size >= this.max) this.entries.clear();
    this.entries.set(key, entry);
    entry.value.then(
      () => {
        if (this.ttlMs > 0) entry.at = Date.now();
        else if (this.entries.get(key) === entry) this.entries.delete(key);
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return entry.value;
  }
}

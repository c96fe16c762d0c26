/**
 * One retry rule for the adapter's own requests: try again while Kafka says the error is retriable
 * (a leader or coordinator that moved, a coordinator still loading), backing off up to a second
 * between tries; `beforeRetry` refreshes what the next try needs (metadata, the coordinator).
 */
export async function retryRetriable<T>(fn: () => Promise<T>, options: { tries?: number; beforeRetry?: () => Promise<void> } = {}): Promise<T> {
  const tries = options.tries ?? 10;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= tries || !(e as { retriable?: boolean }).retriable) throw e;
      await new Promise((r) => setTimeout(r, Math.min(1_000, 100 * attempt)));
      await options.beforeRetry?.();
    }
  }
}

/** Runs `fn` for every item, at most `limit` at once (the adapter's per-group and per-topic fan-out). */
export async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

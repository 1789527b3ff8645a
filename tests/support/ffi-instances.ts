// The workload of tests/ffi-instances.test.ts, shared with its worker threads.
import { MetricKind, type MetricsCollectorClient } from '../../generated/ts/hms/metrics.js';

/** What one instance's async calls came back with. */
export interface QueryResult {
  readonly settled: number;
  /** Responses that answered another request (another name, another instance's metric). */
  readonly wrong: number;
  readonly failed: string[];
}

const NAMES = 100;

/**
 * Records `NAMES` metrics named after `tag` (one sample each, value = index), then runs `calls`
 * async querySummary calls over them; each response must carry the name and value it was asked
 * for. Rejects if not every call settled within `timeoutMs` (lost completions never settle).
 */
export async function runQueries(
  metrics: MetricsCollectorClient,
  tag: string,
  calls: number,
  timeoutMs = 60_000,
): Promise<QueryResult> {
  for (let j = 0; j < NAMES; j++) {
    metrics.recordSample({
      agentId: tag,
      sample: { name: `${tag}_${j}`, value: j, kind: MetricKind.Gauge, labels: null, timestampMs: 1n },
    });
  }
  let settled = 0;
  let wrong = 0;
  const failed: string[] = [];
  const all = Promise.all(
    Array.from({ length: calls }, (_, i) => {
      const name = `${tag}_${i % NAMES}`;
      return metrics.querySummaryAsync({ name, matchers: null, fromMs: 0n, toMs: null }).then(
        (s) => {
          settled++;
          if (s.name !== name || s.max !== i % NAMES) wrong++;
        },
        (e: unknown) => {
          settled++;
          if (failed.length < 5) failed.push(String(e));
        },
      );
    }),
  );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${tag}: ${settled} of ${calls} async calls settled in ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([all, timeout]);
  } finally {
    clearTimeout(timer);
  }
  return { settled, wrong, failed };
}

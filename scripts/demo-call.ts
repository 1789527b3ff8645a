// The last step of the main job (scripts/demo): TypeScript calls a Rust agent through the generated
// bindings. Loads the agent library built from generated/rust/agent-lib (contract check included),
// creates the MetricsCollector agent of runtime-rs/hms-agents, records samples synchronously and
// asynchronously, and prints what the agent answers.
//
//   node --import tsx scripts/demo-call.ts [path/to/libhms_agent_lib.so]

import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RustError } from 'hms-runtime';
import { CONTRACT, openAgentLibrary } from '../generated/ts/_ffi.js';
import { ExpositionFormat, MetricKind, MetricsCollectorClient } from '../generated/ts/hms/metrics.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const libPath = process.argv[2] ?? join(repo, 'target', 'debug', 'libhms_agent_lib.so');

const lib = openAgentLibrary(libPath);
console.log(`loaded ${libPath} (ABI, contract version and ${Object.keys(CONTRACT.services).length} service checksums match the bindings)`);
const handle = lib.create('metrics-collector');
const metrics = new MetricsCollectorClient(lib, handle);

const now = BigInt(Date.now());
for (const [i, v] of [12, 7, 30, 18].entries()) {
  metrics.recordSample({
    agentId: 'demo',
    sample: { name: 'queue_depth', value: v, kind: MetricKind.Gauge, labels: [{ key: 'zone', value: 'eu-1' }], timestampMs: now + BigInt(i) },
  });
}
// 1,000 more, through the Rust worker pool.
await Promise.all(
  Array.from({ length: 1000 }, (_, i) =>
    metrics.recordSampleAsync({
      agentId: 'demo',
      sample: { name: 'request_latency_ms', value: 5 + (i % 50), kind: MetricKind.Gauge, timestampMs: now + BigInt(i) },
    }),
  ),
);

const summary = metrics.querySummary({ name: 'queue_depth' });
console.log(`querySummary(queue_depth): count=${summary.count} min=${summary.min} max=${summary.max} mean=${summary.mean} p95=${summary.p95}`);
const latency = await metrics.querySummaryAsync({ name: 'request_latency_ms' });
console.log(`querySummaryAsync(request_latency_ms): count=${latency.count} p50=${latency.p50} p99=${latency.p99}`);
console.log(`listMetrics: ${metrics.listMetrics({}).names?.join(', ')}`);
const text = metrics.exportText({ format: ExpositionFormat.PrometheusText });
console.log(`exportText (${text.contentType}):\n${text.body.split('\n').slice(0, 6).map((l) => `  ${l}`).join('\n')}\n  ...`);
try {
  metrics.recordSample({ agentId: 'demo', sample: { name: 'bad name!', value: 1, kind: MetricKind.Gauge, timestampMs: now } });
} catch (e) {
  if (!(e instanceof RustError)) throw e;
  console.log(`an invalid sample is refused by the agent: RustError code ${e.code}: ${e.message}`);
}
lib.destroy(handle);
lib.close();

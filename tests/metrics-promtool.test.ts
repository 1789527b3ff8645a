// The MetricsCollector's exposition against Debian's promtool (installed by scripts/setup):
// `promtool check metrics` accepts the text format for every metric kind (counter, gauge,
// histogram), with labels that need escaping, including after the per-series sample ring is full.
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openAgentLibrary } from '../generated/ts/_ffi.js';
import { ExpositionFormat, MetricKind, MetricsCollectorClient } from '../generated/ts/hms/metrics.js';
import { LIB, requireAgentLib } from './support/agent-lib.js';

function promtool(input: string): { status: number | null; out: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw new Error(`promtool: ${r.error.message} (scripts/setup installs Debian's prometheus package)`);
  return { status: r.status, out: r.stdout + r.stderr };
}

test('promtool itself refuses a broken exposition (the oracle can fail)', () => {
  assert.is.not(promtool('# TYPE x counter\nx{a="unterminated} 1\n').status, 0);
});

test('promtool check metrics passes on counters, gauges and histograms with escaped labels', () => {
  requireAgentLib();
  const lib = openAgentLibrary(LIB);
  const m = new MetricsCollectorClient(lib, lib.create('metrics-collector'));
  const labels = [
    { key: 'route', value: '/api/"v1"\\x\nnext' },
    { key: 'zone', value: 'eu-1' },
  ];
  const record = (name: string, kind: MetricKind, value: number, agentId = 'web-1') =>
    m.recordSample({ agentId, sample: { name, value, kind, labels, timestampMs: 0n } });
  for (let i = 0; i < 50; i++) {
    record('http_requests_total', MetricKind.Counter, 1);
    record('http_requests_total', MetricKind.Counter, 2, 'web-2');
    record('queue_depth', MetricKind.Gauge, i % 7);
    record('request_seconds', MetricKind.Histogram, (i % 20) * 0.37);
  }
  record('temperature_celsius', MetricKind.Gauge, -3.5);
  const text = m.exportText({ format: ExpositionFormat.PrometheusText }).body;
  for (const [name, kind] of [
    ['http_requests_total', 'counter'],
    ['queue_depth', 'gauge'],
    ['request_seconds', 'histogram'],
  ])
    assert.match(text, `# TYPE ${name} ${kind}\n`);
  assert.match(text, /^http_requests_total\{agent="web-1",route="\/api\/\\"v1\\"\\\\x\\nnext",zone="eu-1"\} 50$/m);
  assert.match(text, /^request_seconds_bucket\{.*le="\+Inf"\} 50$/m);
  assert.match(text, /^request_seconds_count\{.*\} 50$/m);
  const r = promtool(text);
  assert.is(r.status, 0, `${r.out}\n--- exposition ---\n${text}`);
  assert.is(r.out.trim(), '', 'no lint findings');
  lib.close();
});

test.run();

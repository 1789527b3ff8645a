// A worker thread with its own AgentLibrary instance of the shared cdylib (tests/ffi-instances.test.ts):
// it runs `calls` async rpcs whose responses name what was asked and reports how many settled with
// their own answer. The library is loaded once per process; each instance has its own completion queue.
import { parentPort, workerData } from 'node:worker_threads';
import { openAgentLibrary } from '../../generated/ts/_ffi.js';
import { MetricsCollectorClient } from '../../generated/ts/hms/metrics.js';
import { runQueries } from './ffi-instances.js';

const { lib: path, calls, tag } = workerData as { lib: string; calls: number; tag: string };
const lib = openAgentLibrary(path);
const metrics = new MetricsCollectorClient(lib, lib.create('metrics-collector'));
const result = await runQueries(metrics, tag, calls);
lib.close();
parentPort?.postMessage(result);

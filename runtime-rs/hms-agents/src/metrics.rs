//! An in-memory `hms.metrics.MetricsCollector` (idl/metrics_collector.fbs): stores every sample
//! per series (metric name + sorted labels, the sender as label `agent`), summarises them over a
//! time range and renders the Prometheus / OpenMetrics text exposition.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use hms_contracts::agent::{error, Agent};

use crate::rust_agent::epoch_ms;
use hms_contracts::hms::metrics::{
    ExportRequest, ExportResponse, ExpositionFormat, HistogramBucket, ListMetricsRequest,
    ListMetricsResponse, MetricKind, MetricSample, MetricSummary, MetricsCollector,
    QuerySummaryRequest, RecordBatchRequest, RecordBatchResponse, RecordSampleRequest,
};
use hms_contracts::hms::{Ack, AgentError, AgentHealth, ErrorCode, HealthStatus};

/// Type name of this agent (its registration in `lib.rs`).
pub const TYPE_NAME: &str = "metrics-collector";
/// Type id of this agent: derived from [`TYPE_NAME`], as every agent library derives it.
pub const TYPE_ID: u32 = hms_contracts::agent::type_id_of(TYPE_NAME);

/// Histogram bucket bounds (Prometheus' defaults); `+Inf` follows.
pub const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The label carrying the sending agent's id.
const AGENT_LABEL: &str = "agent";

/// Most labels one sample may carry (besides `agent`); more is an `InvalidArgument`. Every series
/// is keyed by its labels, so a sample with thousands of them is almost certainly a bug in the
/// sender (Prometheus' scrape `label_limit` guards the same thing), and the bound keeps the work
/// per sample small.
pub const MAX_LABELS: usize = 64;

type Labels = Vec<(String, String)>;

/// Samples kept per series for summaries (the newest; older ones leave the ring). The
/// exposition does not depend on them: counter totals, histogram buckets, sums and counts, and a
/// gauge's latest value are kept as running values over every sample ever recorded.
pub const MAX_SAMPLES_PER_SERIES: usize = 10_000;
/// Most metric names a collector holds; a sample of another is `ResourceExhausted`.
pub const MAX_METRICS: usize = 10_000;
/// Most series (label sets) one metric holds; a sample of another is `ResourceExhausted`.
pub const MAX_SERIES_PER_METRIC: usize = 10_000;

#[derive(Debug)]
struct Family {
    kind: MetricKind,
    series: BTreeMap<Labels, Series>,
}

/// One series: the newest samples, and running values over all of them.
#[derive(Debug, Default)]
struct Series {
    /// `(timestamp_ms, value)`, oldest first, at most [`MAX_SAMPLES_PER_SERIES`].
    points: std::collections::VecDeque<(u64, f64)>,
    /// Every sample's value added up (a counter's total, a histogram's `_sum`).
    sum: f64,
    /// Samples ever recorded (a histogram's `_count`).
    count: u64,
    /// Per bound of [`BUCKETS`] then `+Inf`: samples ever recorded at or below it.
    buckets: [u64; BUCKETS.len() + 1],
    /// The latest observation by timestamp, then by receipt (a gauge's value).
    latest: Option<(u64, f64)>,
}

impl Series {
    fn push(&mut self, ts: u64, v: f64) {
        if self.points.len() == MAX_SAMPLES_PER_SERIES {
            self.points.pop_front();
        }
        self.points.push_back((ts, v));
        self.sum += v;
        self.count += 1;
        for (i, bound) in BUCKETS.iter().chain([&f64::INFINITY]).enumerate() {
            if v <= *bound {
                self.buckets[i] += 1;
            }
        }
        if self.latest.is_none_or(|(lt, _)| ts >= lt) {
            self.latest = Some((ts, v));
        }
    }
}

/// The collector agent; its configuration bytes are ignored.
#[derive(Debug)]
pub struct MetricsCollectorAgent {
    started: Instant,
    families: Mutex<BTreeMap<String, Family>>,
}

impl Default for MetricsCollectorAgent {
    fn default() -> Self {
        Self::new()
    }
}

fn valid_name(name: &str, extra: &[u8]) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_' || extra.contains(&b))
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_' || extra.contains(&b))
}

/// Why a sample was refused: its error code and reason.
type Refusal = (ErrorCode, String);

fn invalid(reason: String) -> Refusal {
    (ErrorCode::INVALID_ARGUMENT, reason)
}

impl MetricsCollectorAgent {
    /// Creates a collector (the factory of [`TYPE_ID`]); its configuration bytes are ignored.
    pub fn create(_config: &[u8]) -> Result<Self, AgentError> {
        Ok(Self::new())
    }

    /// An empty collector.
    #[must_use]
    pub fn new() -> Self {
        Self {
            started: Instant::now(),
            families: Mutex::new(BTreeMap::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, Family>> {
        // Every mutation is a single push/insert, so a poisoned map is still consistent.
        self.families.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Validates one sample and builds its series key: everything that does not need the stored
    /// families, so it runs before the lock is taken. Linear in the sample's size (its labels are
    /// sorted, at most [`MAX_LABELS`] of them, and duplicates found as neighbours).
    fn prepare(agent_id: &str, sample: &MetricSample) -> Result<Prepared, Refusal> {
        let name = sample.name.as_str();
        if !valid_name(name, b":") {
            return Err(invalid(format!("invalid metric name {name:?}")));
        }
        if sample.kind.name().is_none() {
            return Err(invalid(format!("unknown metric kind {}", sample.kind.0)));
        }
        if sample.value.is_nan() {
            return Err(invalid(format!("{name}: value is NaN")));
        }
        if sample.kind == MetricKind::COUNTER && !(sample.value >= 0.0 && sample.value.is_finite())
        {
            return Err(invalid(format!(
                "{name}: counter increment {} is not a finite value >= 0",
                sample.value
            )));
        }
        let given = sample.labels.as_ref().map_or(0, Vec::len);
        if given > MAX_LABELS {
            return Err(invalid(format!(
                "{name}: {given} labels, more than the {MAX_LABELS} a sample may carry"
            )));
        }
        let mut labels: Labels = Vec::with_capacity(given + 1);
        for l in sample.labels.iter().flatten() {
            if !valid_name(&l.key, b"") || l.key.starts_with("__") {
                return Err(invalid(format!("{name}: invalid label name {:?}", l.key)));
            }
            if l.key == AGENT_LABEL || (sample.kind == MetricKind::HISTOGRAM && l.key == "le") {
                return Err(invalid(format!("{name}: label {:?} is reserved", l.key)));
            }
            labels.push((l.key.clone(), l.value.clone()));
        }
        labels.push((AGENT_LABEL.to_owned(), agent_id.to_owned()));
        labels.sort();
        if let Some(w) = labels.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(invalid(format!("{name}: duplicate label {:?}", w[0].0)));
        }
        let timestamp_ms = if sample.timestamp_ms == 0 {
            epoch_ms()
        } else {
            sample.timestamp_ms
        };
        Ok(Prepared {
            name: name.to_owned(),
            kind: sample.kind,
            labels,
            timestamp_ms,
            value: sample.value,
        })
    }

    /// Stores a prepared sample (under the lock: a lookup and a push).
    fn insert(families: &mut BTreeMap<String, Family>, p: Prepared) -> Result<(), Refusal> {
        let name = p.name.as_str();
        if let Some(f) = families.get(name) {
            if f.kind != p.kind {
                return Err((
                    ErrorCode::FAILED_PRECONDITION,
                    format!(
                        "{name}: kind {:?} differs from its recorded kind {:?}",
                        p.kind, f.kind
                    ),
                ));
            }
        }
        if !families.contains_key(name) && families.len() >= MAX_METRICS {
            return Err((
                ErrorCode::RESOURCE_EXHAUSTED,
                format!("{name}: the collector holds {MAX_METRICS} metrics, its limit"),
            ));
        }
        if let Some(f) = families.get(name) {
            if !f.series.contains_key(&p.labels) && f.series.len() >= MAX_SERIES_PER_METRIC {
                return Err((
                    ErrorCode::RESOURCE_EXHAUSTED,
                    format!(
                        "{name}: {MAX_SERIES_PER_METRIC} label sets already, the limit per metric"
                    ),
                ));
            }
        }
        let family = families.entry(p.name).or_insert_with(|| Family {
            kind: p.kind,
            series: BTreeMap::new(),
        });
        family
            .series
            .entry(p.labels)
            .or_default()
            .push(p.timestamp_ms, p.value);
        Ok(())
    }
}

/// A validated sample with its series key, ready to store.
struct Prepared {
    name: String,
    kind: MetricKind,
    labels: Labels,
    timestamp_ms: u64,
    value: f64,
}

/// Nearest-rank percentile of sorted, non-empty `values`.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Cumulative counts per bound of [`BUCKETS`], then `+Inf`.
fn bucket_counts(values: impl Iterator<Item = f64> + Clone) -> Vec<(f64, u64)> {
    BUCKETS
        .iter()
        .copied()
        .chain([f64::INFINITY])
        .map(|bound| (bound, values.clone().filter(|v| *v <= bound).count() as u64))
        .collect()
}

fn format_value(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v == f64::INFINITY {
        "+Inf".to_owned()
    } else if v == f64::NEG_INFINITY {
        "-Inf".to_owned()
    } else {
        v.to_string()
    }
}

fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// `{a="x",b="y"}` (with `extra` appended), or nothing without labels.
fn label_text(labels: &Labels, extra: Option<(&str, String)>) -> String {
    let parts: Vec<String> = labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .chain(extra)
        .map(|(k, v)| format!("{k}=\"{}\"", escape_label(&v)))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", parts.join(","))
    }
}

impl MetricsCollector for MetricsCollectorAgent {
    fn record_sample(&self, req: RecordSampleRequest) -> Result<Ack, AgentError> {
        let prepared =
            Self::prepare(&req.agent_id, &req.sample).map_err(|(code, r)| error(code, r))?;
        Self::insert(&mut self.lock(), prepared).map_err(|(code, reason)| error(code, reason))?;
        Ok(Ack {
            ok: true,
            message: None,
        })
    }

    fn record_batch(&self, req: RecordBatchRequest) -> Result<RecordBatchResponse, AgentError> {
        let mut out = RecordBatchResponse::default();
        let mut rejections = Vec::new();
        for (i, sample) in req.batch.samples.iter().flatten().enumerate() {
            // The lock is taken per sample, after its validation: a large batch never holds it for
            // more than one insert, so other calls on the agent interleave with it.
            let stored = Self::prepare(&req.batch.agent_id, sample)
                .and_then(|p| Self::insert(&mut self.lock(), p));
            match stored {
                Ok(()) => out.accepted += 1,
                Err((_, reason)) => {
                    out.rejected += 1;
                    rejections.push(format!("{i}: {reason}"));
                }
            }
        }
        out.rejections = Some(rejections);
        Ok(out)
    }

    fn query_summary(&self, req: QuerySummaryRequest) -> Result<MetricSummary, AgentError> {
        let families = self.lock();
        let family = families
            .get(&req.name)
            .ok_or_else(|| error(ErrorCode::NOT_FOUND, format!("no metric {:?}", req.name)))?;
        let to = req.to_ms.unwrap_or(u64::MAX);
        let matchers = req.matchers.unwrap_or_default();
        let mut values: Vec<f64> = family
            .series
            .iter()
            .filter(|(labels, _)| {
                matchers
                    .iter()
                    .all(|m| labels.iter().any(|(k, v)| *k == m.key && *v == m.value))
            })
            .flat_map(|(_, series)| series.points.iter())
            .filter(|(ts, _)| *ts >= req.from_ms && *ts < to)
            .map(|&(_, v)| v)
            .collect();
        values.sort_by(f64::total_cmp);
        let buckets = (family.kind == MetricKind::HISTOGRAM).then(|| {
            bucket_counts(values.iter().copied())
                .into_iter()
                .map(|(upper_bound, count)| HistogramBucket { upper_bound, count })
                .collect()
        });
        let mut summary = MetricSummary {
            name: Some(req.name.clone()),
            kind: family.kind,
            count: values.len() as u64,
            buckets,
            ..MetricSummary::default()
        };
        if let (Some(&min), Some(&max)) = (values.first(), values.last()) {
            let n = values.len() as f64;
            let sum: f64 = values.iter().sum();
            let mean = sum / n;
            let variance = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
            summary.sum = sum;
            summary.min = min;
            summary.max = max;
            summary.mean = mean;
            summary.stddev = variance.sqrt();
            summary.p50 = percentile(&values, 0.50);
            summary.p95 = percentile(&values, 0.95);
            summary.p99 = percentile(&values, 0.99);
        }
        Ok(summary)
    }

    fn list_metrics(&self, req: ListMetricsRequest) -> Result<ListMetricsResponse, AgentError> {
        let prefix = req.prefix.unwrap_or_default();
        let names = self
            .lock()
            .keys()
            .filter(|n| n.starts_with(&prefix))
            .cloned()
            .collect();
        Ok(ListMetricsResponse { names: Some(names) })
    }

    fn export_text(&self, req: ExportRequest) -> Result<ExportResponse, AgentError> {
        let open_metrics = match req.format {
            ExpositionFormat::PROMETHEUS_TEXT => false,
            ExpositionFormat::OPEN_METRICS => true,
            other => {
                return Err(error(
                    ErrorCode::INVALID_ARGUMENT,
                    format!("unknown exposition format {}", other.0),
                ))
            }
        };
        let mut body = String::new();
        for (name, family) in self.lock().iter() {
            let (family_name, sample_name, kind) = match family.kind {
                MetricKind::COUNTER => {
                    let base = name.strip_suffix("_total").unwrap_or(name);
                    let total = format!("{base}_total");
                    let fam = if open_metrics {
                        base.to_owned()
                    } else {
                        total.clone()
                    };
                    (fam, total, "counter")
                }
                MetricKind::HISTOGRAM => (name.clone(), name.clone(), "histogram"),
                _ => (name.clone(), name.clone(), "gauge"),
            };
            // Writing to a String cannot fail.
            let _ = writeln!(
                body,
                "# HELP {family_name} Collected by the HMS MetricsCollector."
            );
            let _ = writeln!(body, "# TYPE {family_name} {kind}");
            for (labels, series) in &family.series {
                match family.kind {
                    MetricKind::COUNTER => {
                        let _ = writeln!(
                            body,
                            "{sample_name}{} {}",
                            label_text(labels, None),
                            format_value(series.sum)
                        );
                    }
                    MetricKind::HISTOGRAM => {
                        let bounds = BUCKETS.iter().copied().chain([f64::INFINITY]);
                        for (bound, count) in bounds.zip(series.buckets) {
                            let le = Some(("le", format_value(bound)));
                            let _ = writeln!(
                                body,
                                "{sample_name}_bucket{} {count}",
                                label_text(labels, le)
                            );
                        }
                        let l = label_text(labels, None);
                        let _ = writeln!(body, "{sample_name}_sum{l} {}", format_value(series.sum));
                        let _ = writeln!(body, "{sample_name}_count{l} {}", series.count);
                    }
                    _ => {
                        if let Some((_, v)) = series.latest {
                            let _ = writeln!(
                                body,
                                "{sample_name}{} {}",
                                label_text(labels, None),
                                format_value(v)
                            );
                        }
                    }
                }
            }
        }
        let content_type = if open_metrics {
            body.push_str("# EOF\n");
            "application/openmetrics-text; version=1.0.0; charset=utf-8"
        } else {
            "text/plain; version=0.0.4; charset=utf-8"
        };
        Ok(ExportResponse {
            content_type: content_type.to_owned(),
            body,
        })
    }
}

impl Agent for MetricsCollectorAgent {
    fn health(&self) -> AgentHealth {
        let families = self.lock();
        let samples: usize = families
            .values()
            .flat_map(|f| f.series.values())
            .map(|series| series.points.len())
            .sum();
        AgentHealth {
            agent_id: TYPE_NAME.to_owned(),
            status: HealthStatus::HEALTHY,
            last_heartbeat_ms: epoch_ms(),
            uptime_ms: u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
            error_rate: 0.0,
            message: Some(format!("{samples} samples in {} metrics", families.len())),
            checks: None,
        }
    }
}

#[cfg(test)]
mod tests {
    //! The collector through the generated dispatch functions: encoded requests in, encoded
    //! responses or `AgentError`s out, as the agent library calls it.

    use super::*;
    use hms_contracts::agent::{dispatch, Builder};
    use hms_contracts::hms::metrics::{Label, MetricBatch};

    /// The bytes a dispatch function finishes in its builder, as the agent library delivers them.
    fn respond(
        call: impl FnOnce(&mut Builder) -> Result<(), AgentError>,
    ) -> Result<Vec<u8>, AgentError> {
        let mut fbb = Builder::new();
        call(&mut fbb).map(|()| fbb.finished_data().to_vec())
    }

    fn agent() -> Box<dyn Agent> {
        let f = crate::agent_factories()
            .iter()
            .find(|f| f.name == TYPE_NAME)
            .unwrap();
        assert_eq!(f.type_id, TYPE_ID);
        (f.create)(b"").unwrap()
    }

    fn sample(
        name: &str,
        kind: MetricKind,
        value: f64,
        ts: u64,
        labels: &[(&str, &str)],
    ) -> MetricSample {
        MetricSample {
            name: name.to_owned(),
            value,
            kind,
            labels: Some(
                labels
                    .iter()
                    .map(|&(k, v)| Label {
                        key: k.to_owned(),
                        value: v.to_owned(),
                    })
                    .collect(),
            ),
            timestamp_ms: ts,
        }
    }

    fn record(a: &dyn Agent, s: MetricSample) -> Result<Ack, AgentError> {
        let req = RecordSampleRequest {
            agent_id: "a1".to_owned(),
            sample: Box::new(s),
        };
        respond(|out| dispatch::metrics_collector_record_sample(a, &req.encode(), out))
            .map(|bytes| Ack::decode(&bytes).unwrap())
    }

    fn summary(a: &dyn Agent, req: QuerySummaryRequest) -> Result<MetricSummary, AgentError> {
        respond(|out| dispatch::metrics_collector_query_summary(a, &req.encode(), out))
            .map(|bytes| MetricSummary::decode(&bytes).unwrap())
    }

    fn export(a: &dyn Agent, format: ExpositionFormat) -> ExportResponse {
        let bytes = respond(|out| {
            dispatch::metrics_collector_export_text(a, &ExportRequest { format }.encode(), out)
        })
        .unwrap();
        ExportResponse::decode(&bytes).unwrap()
    }

    #[test]
    fn summaries_come_from_the_recorded_samples() {
        let a = agent();
        for (i, v) in [5.0, 1.0, 3.0, 2.0, 4.0].into_iter().enumerate() {
            let ack = record(
                &*a,
                sample(
                    "latency",
                    MetricKind::GAUGE,
                    v,
                    1000 + i as u64,
                    &[("op", "get")],
                ),
            )
            .unwrap();
            assert!(ack.ok);
        }
        record(
            &*a,
            sample("latency", MetricKind::GAUGE, 100.0, 1000, &[("op", "put")]),
        )
        .unwrap();
        let get = summary(
            &*a,
            QuerySummaryRequest {
                name: "latency".to_owned(),
                matchers: Some(vec![Label {
                    key: "op".to_owned(),
                    value: "get".to_owned(),
                }]),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(get.name.as_deref(), Some("latency"));
        assert_eq!(
            (get.count, get.sum, get.min, get.max, get.mean),
            (5, 15.0, 1.0, 5.0, 3.0)
        );
        assert_eq!((get.p50, get.p95, get.p99), (3.0, 5.0, 5.0));
        assert!((get.stddev - 2f64.sqrt()).abs() < 1e-12);
        assert_eq!(get.buckets, None);
        // Time range: [1001, 1003) holds 1.0 and 3.0 of op=get; all series without matchers.
        let ranged = summary(
            &*a,
            QuerySummaryRequest {
                name: "latency".to_owned(),
                from_ms: 1000,
                to_ms: Some(1003),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!((ranged.count, ranged.max), (4, 100.0));
        let missing = summary(
            &*a,
            QuerySummaryRequest {
                name: "nope".to_owned(),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(missing.code, ErrorCode::NOT_FOUND);
    }

    #[test]
    fn histogram_summaries_have_cumulative_buckets() {
        let a = agent();
        for v in [0.003, 0.2, 0.2, 7.0, 50.0] {
            record(&*a, sample("req_seconds", MetricKind::HISTOGRAM, v, 1, &[])).unwrap();
        }
        let s = summary(
            &*a,
            QuerySummaryRequest {
                name: "req_seconds".to_owned(),
                ..Default::default()
            },
        )
        .unwrap();
        let buckets = s.buckets.unwrap();
        assert_eq!(buckets.len(), BUCKETS.len() + 1);
        assert_eq!(
            buckets[0],
            HistogramBucket {
                upper_bound: 0.005,
                count: 1
            }
        );
        assert_eq!(
            buckets[5],
            HistogramBucket {
                upper_bound: 0.25,
                count: 3
            }
        );
        assert_eq!(
            buckets[10],
            HistogramBucket {
                upper_bound: 10.0,
                count: 4
            }
        );
        let last = buckets.last().unwrap();
        assert_eq!((last.upper_bound, last.count), (f64::INFINITY, s.count));
    }

    #[test]
    fn batches_skip_invalid_samples() {
        let a = agent();
        let batch = RecordBatchRequest {
            batch: Box::new(MetricBatch {
                agent_id: "a2".to_owned(),
                samples: Some(vec![
                    sample("jobs_total", MetricKind::COUNTER, 2.0, 1, &[]),
                    sample("9bad", MetricKind::GAUGE, 1.0, 1, &[]),
                    sample("jobs_total", MetricKind::GAUGE, 1.0, 1, &[]),
                    sample("jobs_total", MetricKind::COUNTER, -1.0, 1, &[]),
                    sample("temp", MetricKind::GAUGE, 1.0, 1, &[("__x", "y")]),
                    sample("temp", MetricKind::GAUGE, 21.5, 1, &[("room", "b")]),
                ]),
                collected_at_ms: 1,
            }),
        };
        let bytes =
            respond(|out| dispatch::metrics_collector_record_batch(&*a, &batch.encode(), out))
                .unwrap();
        let r = RecordBatchResponse::decode(&bytes).unwrap();
        assert_eq!((r.accepted, r.rejected), (2, 4));
        let rejections = r.rejections.unwrap();
        assert!(
            rejections[0].starts_with("1: invalid metric name"),
            "{rejections:?}"
        );
        assert!(
            rejections[1].starts_with("2: jobs_total: kind"),
            "{rejections:?}"
        );
        assert!(rejections[2].starts_with("3: "), "{rejections:?}");
        assert!(
            rejections[3].starts_with("4: temp: invalid label name"),
            "{rejections:?}"
        );

        let list = |prefix: Option<&str>| {
            let req = ListMetricsRequest {
                prefix: prefix.map(str::to_owned),
            };
            let bytes =
                respond(|out| dispatch::metrics_collector_list_metrics(&*a, &req.encode(), out))
                    .unwrap();
            ListMetricsResponse::decode(&bytes).unwrap().names.unwrap()
        };
        assert_eq!(list(None), ["jobs_total", "temp"]);
        assert_eq!(list(Some("te")), ["temp"]);
        assert!(list(Some("x")).is_empty());
    }

    #[test]
    fn single_samples_report_their_error_code() {
        let a = agent();
        record(&*a, sample("up", MetricKind::GAUGE, 1.0, 0, &[])).unwrap();
        let e = record(&*a, sample("up", MetricKind::COUNTER, 1.0, 0, &[])).unwrap_err();
        assert_eq!(e.code, ErrorCode::FAILED_PRECONDITION);
        let e = record(&*a, sample("a-b", MetricKind::GAUGE, 1.0, 0, &[])).unwrap_err();
        assert_eq!(e.code, ErrorCode::INVALID_ARGUMENT);
        assert!(e.message.contains("\"a-b\""), "{}", e.message);
        let e = record(&*a, sample("x", MetricKind(9), 1.0, 0, &[])).unwrap_err();
        assert_eq!(e.code, ErrorCode::INVALID_ARGUMENT);
    }

    #[test]
    fn exposition_renders_every_family() {
        let a = agent();
        record(
            &*a,
            sample(
                "http_requests_total",
                MetricKind::COUNTER,
                2.0,
                5,
                &[("code", "200")],
            ),
        )
        .unwrap();
        record(
            &*a,
            sample(
                "http_requests_total",
                MetricKind::COUNTER,
                3.0,
                6,
                &[("code", "200")],
            ),
        )
        .unwrap();
        record(
            &*a,
            sample(
                "temp",
                MetricKind::GAUGE,
                30.0,
                9,
                &[("room", "a\"b\\c\nd")],
            ),
        )
        .unwrap();
        record(
            &*a,
            sample(
                "temp",
                MetricKind::GAUGE,
                20.0,
                8,
                &[("room", "a\"b\\c\nd")],
            ),
        )
        .unwrap();
        record(&*a, sample("size", MetricKind::HISTOGRAM, 0.3, 1, &[])).unwrap();
        let prom = export(&*a, ExpositionFormat::PROMETHEUS_TEXT);
        assert_eq!(
            prom.content_type,
            "text/plain; version=0.0.4; charset=utf-8"
        );
        let expected = "\
# HELP http_requests_total Collected by the HMS MetricsCollector.
# TYPE http_requests_total counter
http_requests_total{agent=\"a1\",code=\"200\"} 5
# HELP size Collected by the HMS MetricsCollector.
# TYPE size histogram
size_bucket{agent=\"a1\",le=\"0.005\"} 0
";
        assert!(prom.body.starts_with(expected), "{}", prom.body);
        for line in [
            "size_bucket{agent=\"a1\",le=\"0.25\"} 0\n",
            "size_bucket{agent=\"a1\",le=\"0.5\"} 1\n",
            "size_bucket{agent=\"a1\",le=\"+Inf\"} 1\nsize_sum{agent=\"a1\"} 0.3\nsize_count{agent=\"a1\"} 1\n",
            "# TYPE temp gauge\ntemp{agent=\"a1\",room=\"a\\\"b\\\\c\\nd\"} 30\n",
        ] {
            assert!(prom.body.contains(line), "{line:?} in\n{}", prom.body);
        }
        assert!(!prom.body.contains("# EOF"));

        let om = export(&*a, ExpositionFormat::OPEN_METRICS);
        assert_eq!(
            om.content_type,
            "application/openmetrics-text; version=1.0.0; charset=utf-8"
        );
        assert!(om.body.contains(
            "# TYPE http_requests counter\nhttp_requests_total{agent=\"a1\",code=\"200\"} 5\n"
        ));
        assert!(om.body.ends_with("\n# EOF\n"));

        let bad = respond(|out| {
            dispatch::metrics_collector_export_text(
                &*a,
                &ExportRequest {
                    format: ExpositionFormat(7),
                }
                .encode(),
                out,
            )
        });
        assert_eq!(bad.unwrap_err().code, ErrorCode::INVALID_ARGUMENT);
    }

    #[test]
    fn bad_bytes_and_other_services_are_errors() {
        let a = agent();
        let e = respond(|out| dispatch::metrics_collector_record_sample(&*a, &[1, 2, 3], out))
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::DECODE_FAILED);
        assert!(
            e.message.starts_with("hms.metrics.RecordSampleRequest: "),
            "{}",
            e.message
        );
        // A service this agent does not serve, with a valid request.
        let req = hms_contracts::hms::breaker::GetStateRequest::default().encode();
        let e = respond(|out| dispatch::circuit_breaker_get_state(&*a, &req, out)).unwrap_err();
        assert_eq!(e.code, ErrorCode::UNIMPLEMENTED);
        // By method id, as hms_submit dispatches.
        let e = respond(|out| dispatch::by_method_id(&*a, 0, &[], out)).unwrap_err();
        assert_eq!(e.code, ErrorCode::INVALID_ARGUMENT);
        let e = respond(|out| {
            dispatch::send_message(
                &*a,
                &hms_contracts::hms::AgentMessage::default().encode(),
                out,
            )
        })
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::UNIMPLEMENTED);
    }

    #[test]
    fn health_reports_what_was_recorded() {
        let a = agent();
        record(&*a, sample("up", MetricKind::GAUGE, 1.0, 0, &[])).unwrap();
        let h = AgentHealth::decode(&respond(|out| dispatch::health(&*a, out)).unwrap()).unwrap();
        assert_eq!(h.agent_id, TYPE_NAME);
        assert_eq!(h.status, HealthStatus::HEALTHY);
        assert_eq!(h.message.as_deref(), Some("1 samples in 1 metrics"));
    }

    /// A sample with `n` distinct labels.
    fn labelled(name: &str, n: usize) -> MetricSample {
        let keys: Vec<(String, String)> =
            (0..n).map(|i| (format!("k{i}"), format!("v{i}"))).collect();
        let refs: Vec<(&str, &str)> = keys.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        sample(name, MetricKind::GAUGE, 1.0, 1, &refs)
    }

    /// Median wall time of `f` over 5 runs.
    fn median_time(mut f: impl FnMut()) -> f64 {
        let mut t: Vec<f64> = (0..5)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed().as_secs_f64()
            })
            .collect();
        t.sort_by(f64::total_cmp);
        t[2]
    }

    #[test]
    fn labels_are_bounded_and_checked_in_linear_time() {
        let a = agent();
        assert!(record(&*a, labelled("wide", MAX_LABELS)).is_ok());
        let e = record(&*a, labelled("wider", MAX_LABELS + 1)).unwrap_err();
        assert_eq!(e.code, ErrorCode::INVALID_ARGUMENT);
        assert!(
            e.message.contains("65 labels, more than the 64"),
            "{}",
            e.message
        );
        let mut dup = labelled("dup", 10);
        dup.labels.as_mut().unwrap()[7].key = "k2".to_owned();
        let e = record(&*a, dup).unwrap_err();
        assert!(
            e.message.contains("duplicate label \"k2\""),
            "{}",
            e.message
        );
        // 80,000 labels (the probe's 10 s under the old quadratic check) are refused at once, and
        // the time grows no faster than the request: t(4n)/t(n) for whole requests.
        let (small, big) = (labelled("huge", 20_000), labelled("huge", 80_000));
        let t1 = median_time(|| assert!(record(&*a, small.clone()).is_err()));
        let t4 = median_time(|| assert!(record(&*a, big.clone()).is_err()));
        assert!(
            t4 / t1 < 8.0,
            "t(4n)/t(n) = {:.1} ({t1:.5} s, {t4:.5} s)",
            t4 / t1
        );
    }

    fn batch(n: usize, labels: usize) -> RecordBatchRequest {
        RecordBatchRequest {
            batch: Box::new(MetricBatch {
                agent_id: "a3".to_owned(),
                collected_at_ms: 0,
                samples: Some(
                    (0..n)
                        .map(|i| labelled(&format!("m{}", i % 50), labels))
                        .collect(),
                ),
            }),
        }
    }

    #[test]
    fn a_batch_costs_linear_time_and_never_holds_the_agent_for_its_whole_length() {
        let a: std::sync::Arc<MetricsCollectorAgent> =
            std::sync::Arc::new(MetricsCollectorAgent::new());
        let (b1, b4) = (batch(1_000, 16), batch(4_000, 16));
        let t1 = median_time(|| assert_eq!(a.record_batch(b1.clone()).unwrap().accepted, 1_000));
        let t4 = median_time(|| assert_eq!(a.record_batch(b4.clone()).unwrap().accepted, 4_000));
        assert!(
            t4 / t1 < 8.0,
            "t(4n)/t(n) = {:.1} ({t1:.4} s, {t4:.4} s)",
            t4 / t1
        );
        // While one thread records a long batch, another's calls keep being answered: each waits
        // for at most one sample's insert, not for the batch (a ratio within this one run).
        let big = batch(20_000, 16);
        let writer = {
            let a = a.clone();
            std::thread::spawn(move || {
                let start = Instant::now();
                a.record_batch(big).unwrap();
                start.elapsed().as_secs_f64()
            })
        };
        let mut slowest = 0f64;
        let mut calls = 0;
        while !writer.is_finished() {
            let start = Instant::now();
            a.list_metrics(ListMetricsRequest {
                prefix: Some("m1".to_owned()),
            })
            .unwrap();
            slowest = slowest.max(start.elapsed().as_secs_f64());
            calls += 1;
        }
        let whole = writer.join().unwrap();
        assert!(calls > 1, "the reader ran {calls} calls during the batch");
        assert!(
            slowest < whole / 4.0,
            "slowest read {slowest:.4} s during a {whole:.4} s batch"
        );
    }

    #[test]
    fn memory_is_bounded_and_the_exposition_stays_exact_past_the_bounds() {
        let a = MetricsCollectorAgent::new();
        let n = MAX_SAMPLES_PER_SERIES + 500;
        let req =
            |name: &str, kind, v: f64, ts: u64, labels: &[(&str, &str)]| RecordSampleRequest {
                agent_id: "a1".to_owned(),
                sample: Box::new(sample(name, kind, v, ts, labels)),
            };
        for i in 0..n {
            a.record_sample(req(
                "jobs_total",
                MetricKind::COUNTER,
                1.0,
                i as u64 + 1,
                &[],
            ))
            .unwrap();
            a.record_sample(req("lat", MetricKind::HISTOGRAM, 0.2, i as u64 + 1, &[]))
                .unwrap();
        }
        // Summaries see the retained samples; the exposition counts every one.
        let s = a
            .query_summary(QuerySummaryRequest {
                name: "jobs_total".to_owned(),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(s.count, MAX_SAMPLES_PER_SERIES as u64);
        let text = a
            .export_text(ExportRequest {
                format: ExpositionFormat::PROMETHEUS_TEXT,
            })
            .unwrap()
            .body;
        assert!(
            text.contains(&format!("jobs_total{{agent=\"a1\"}} {n}")),
            "{text}"
        );
        assert!(
            text.contains(&format!("lat_count{{agent=\"a1\"}} {n}")),
            "{text}"
        );
        assert!(
            text.contains(&format!("lat_bucket{{agent=\"a1\",le=\"0.25\"}} {n}")),
            "{text}"
        );
        assert!(
            text.contains("lat_bucket{agent=\"a1\",le=\"0.1\"} 0"),
            "{text}"
        );
        // Series per metric, then metrics: past each bound a clear ResourceExhausted.
        for i in 0..MAX_SERIES_PER_METRIC - 1 {
            let v = i.to_string();
            a.record_sample(req("wide", MetricKind::GAUGE, 1.0, 1, &[("i", &v)]))
                .unwrap();
        }
        a.record_sample(req("wide", MetricKind::GAUGE, 1.0, 1, &[("i", "last")]))
            .unwrap();
        let e = a
            .record_sample(req("wide", MetricKind::GAUGE, 1.0, 1, &[("i", "more")]))
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::RESOURCE_EXHAUSTED);
        assert!(e.message.contains("label sets"), "{}", e.message);
        for i in 0..MAX_METRICS - 3 {
            a.record_sample(req(&format!("m{i}"), MetricKind::GAUGE, 1.0, 1, &[]))
                .unwrap();
        }
        let e = a
            .record_sample(req("one_too_many", MetricKind::GAUGE, 1.0, 1, &[]))
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::RESOURCE_EXHAUSTED);
        assert!(e.message.contains("10000 metrics"), "{}", e.message);
    }
}

// Public surface of server-side evidence: metrics parsing/collection and request-to-pod attribution.
export * from '../evidence/prom-parse.ts';
export * from '../evidence/metric-names.ts';
export * from '../evidence/metrics-evidence.ts';
export * from '../evidence/counter-math.ts';
export * from '../evidence/collector.ts';
export * from '../evidence/sources/secrets.ts';
export * from '../evidence/sources/scrape-source.ts';
export * from '../evidence/sources/static.ts';
export * from '../evidence/sources/kubernetes.ts';
export * from '../evidence/sources/prometheus.ts';
export * from '../evidence/sources/source-config.ts';
export * from '../evidence/attribution/pod-identity.ts';
export * from '../evidence/attribution/epp-log.ts';
export * from '../evidence/attribution/split.ts';
export * from '../evidence/attribution/attribute.ts';
export * from '../evidence/evidence-query.ts';

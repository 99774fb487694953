// Public surface of server-side evidence: metrics parsing/collection and request-to-pod attribution.
export * from './prom-parse.ts';
export * from './metric-names.ts';
export * from './evidence.ts';
export * from './counter-math.ts';
export * from './collector.ts';
export * from './sources/secrets.ts';
export * from './sources/scrape-source.ts';
export * from './sources/static.ts';
export * from './sources/kubernetes.ts';
export * from './sources/prometheus.ts';
export * from './sources/source-config.ts';
export * from '../attribution/pod-identity.ts';
export * from '../attribution/epp-log.ts';
export * from '../attribution/split.ts';
export * from '../attribution/attribute.ts';
export * from './evidence-query.ts';

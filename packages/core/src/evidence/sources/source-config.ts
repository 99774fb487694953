// One schema for every kind of metrics source a run can name.
import { z } from 'zod';
import { KubernetesSourceSchema } from './kubernetes.ts';
import { PrometheusSourceSchema } from './prometheus.ts';
import { StaticSourceSchema } from './static.ts';

export const MetricsSourceSchema = z.discriminatedUnion('kind', [StaticSourceSchema, KubernetesSourceSchema, PrometheusSourceSchema]);
export type MetricsSourceConfig = z.infer<typeof MetricsSourceSchema>;
export type MetricsSourceInput = z.input<typeof MetricsSourceSchema>;

export * from './types.ts';
export { startPod, type SimPod, type StartPodDeps, PodSpecSchema, parsePodSpec, type PodSpec, type PodSpecInput } from './pod/index.ts';
export * from './epp/index.ts';

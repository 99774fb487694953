// Multi-core and multi-machine runs: shard arithmetic (shard.ts) and the worker-thread count default.
// run({ workers: N }) and run({ shard }) are the entry points; see run.ts.
export { ShardSchema, WHOLE_RUN, parseShard, shareOf, countInShard, takeShard, globalOpenLoopTimes, measuredQuota, type Shard } from '../load/shard.ts';
export { defaultWorkerCount } from '../load/workers.ts';

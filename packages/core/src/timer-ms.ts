// What a timer can honour, for every option that ends up in setTimeout/setInterval. Node holds a timer for at
// most 2^31−1 ms; a longer one fires after 1 ms (with a TimeoutOverflowWarning), so a timeout above it would
// fail at once instead of waiting. Every *Ms option validated at an edge uses timerMs().
import { z } from 'zod';

export const MAX_TIMER_MS = 2 ** 31 - 1;

export const timerMs = () =>
  z.number().max(MAX_TIMER_MS, { error: `must be at most ${MAX_TIMER_MS} ms (2^31−1, the longest timer Node can hold; a longer one fires at once)` });

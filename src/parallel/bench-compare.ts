/**
 * 1 thread against N threads for one call, for the benches: the first call with N threads (which may
 * start a worker) apart, then alternating runs so that load from other processes hits both alike;
 * medians, since the machine is shared.
 */
export interface ThreadComparison {
  firstCallMs: number;
  oneMs: number;
  manyMs: number;
  speedup: number;
  /** Process CPU time (all threads), medians: what the threads cost in all. */
  oneCpuMs: number;
  manyCpuMs: number;
}

export async function compareThreads(run: (workers: number) => Promise<unknown>, workers: number, repeats: number): Promise<ThreadComparison> {
  const cpu: Record<'one' | 'many', number[]> = { one: [], many: [] };
  const timed = async (w: number) => {
    const c = process.cpuUsage();
    const t = performance.now();
    await run(w);
    const used = process.cpuUsage(c);
    cpu[w === 1 ? 'one' : 'many'].push((used.user + used.system) / 1000);
    return performance.now() - t;
  };
  const firstCallMs = await timed(workers);
  await timed(1);
  cpu.one.length = 0;
  cpu.many.length = 0;
  const one: number[] = [];
  const many: number[] = [];
  for (let r = 0; r < repeats; r++) {
    one.push(await timed(1));
    many.push(await timed(workers));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const oneMs = median(one);
  const manyMs = median(many);
  return { firstCallMs, oneMs, manyMs, speedup: oneMs / manyMs, oneCpuMs: median(cpu.one), manyCpuMs: median(cpu.many) };
}

export async function runEvaluationBenchmark(_: { rulesPerTrigger: number; quick: boolean }): Promise<{ speedup: number; report: string }> {
  return { speedup: 0, report: 'evaluation: not yet' };
}

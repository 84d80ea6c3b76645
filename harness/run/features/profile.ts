/**
 * Profiling (`run --profile flame|cpu|doctor`): the service of every row runs with the profiler's `node` flags
 * (or under its launcher), and after the service stopped the profiler turns what it wrote into artifacts, linked
 * from the row (`profile`). A profiling failure is reported in the row, never fatal.
 *
 * @module
 */
import type { RowFeature } from '../row-feature.ts';

export const profileFeature: RowFeature = {
  name: 'profile',
  forScenario({ scenario }, env) {
    const profiler = env.profiler;
    if (!profiler) return undefined;
    return {
      forRow(row) {
        const name = row.spec.name;
        return {
          async beforeTarget() {
            if (row.spec.client === 'consul-direct') return;
            row.nodeOptions = await profiler.nodeOptions(scenario.name, name);
            row.launch = profiler.launcher?.(scenario.name, name);
          },
          async afterRow(result) {
            if (row.target?.kind !== 'service') return;
            const artifacts = await profiler.finish(scenario.name, name);
            if (result) result.profile = { kind: profiler.kind, ...artifacts };
          },
        };
      },
    };
  },
};

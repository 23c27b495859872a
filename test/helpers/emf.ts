/**
 * Reads CloudWatch embedded metric format (EMF) documents back into data
 * points, as CloudWatch Logs would extract them.
 */
export interface DataPoint {
  readonly namespace: string;
  readonly name: string;
  readonly unit: string;
  readonly value: number;
  /** Every dimension of the point, `service` included. */
  readonly dimensions: Record<string, string>;
}

export function dataPoints(docs: any[]): DataPoint[] {
  const out: DataPoint[] = [];
  for (const doc of docs) {
    for (const directive of doc._aws.CloudWatchMetrics) {
      const dimensionSets: string[][] = directive.Dimensions;
      for (const set of dimensionSets) {
        const dimensions = Object.fromEntries(set.map((d) => [d, String(doc[d])]));
        for (const m of directive.Metrics) {
          const values = Array.isArray(doc[m.Name]) ? doc[m.Name] : [doc[m.Name]];
          for (const value of values) out.push({ namespace: directive.Namespace, name: m.Name, unit: m.Unit, value, dimensions });
        }
      }
    }
  }
  return out;
}

/**
 * The points of one metric, as `value` per dimension set (without `service`),
 * fewest dimensions first, for compact assertions.
 */
export function pointsOf(docs: any[], name: string): Array<{ value: number; dimensions: Record<string, string> }> {
  return dataPoints(docs)
    .filter((p) => p.name === name)
    .map(({ value, dimensions: { service: _service, ...dimensions } }) => ({ value, dimensions }))
    .sort((a, b) => Object.keys(a.dimensions).length - Object.keys(b.dimensions).length
      || JSON.stringify(a.dimensions).localeCompare(JSON.stringify(b.dimensions)));
}

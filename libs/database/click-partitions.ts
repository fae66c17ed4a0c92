/** The monthly partition of `clicks` holding `month` (any instant in it), as idempotent DDL. */
export function clickPartitionsDdl(month: Date): string {
  const { name, from, to } = clickPartition(month);
  return `CREATE TABLE IF NOT EXISTS ${name} PARTITION OF clicks FOR VALUES FROM ('${from}') TO ('${to}')`;
}

export function clickPartition(month: Date): { name: string; from: string; to: string } {
  const y = month.getUTCFullYear();
  const m = month.getUTCMonth();
  const start = new Date(Date.UTC(y, m, 1));
  const end = new Date(Date.UTC(y, m + 1, 1));
  const name = `clicks_y${y}m${String(m + 1).padStart(2, '0')}`;
  return { name, from: start.toISOString(), to: end.toISOString() };
}

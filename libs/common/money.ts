/**
 * Money is an integer number of minor units (cents). One amount has at most 12 digits (Stripe's
 * maximum), so products of amounts and rates are computed in BigInt; sums come from PostgreSQL
 * as numeric text and are read back exactly.
 */
export const MAX_AMOUNT = 999_999_999_999;

/** A sum of minor units as PostgreSQL returns it (numeric or bigint text) to a JavaScript number. */
export function minorUnits(value: string | number | bigint | null | undefined): number {
  if (value === null || value === undefined) return 0;
  const n = typeof value === 'number' ? value : Number(value);
  // A total past 2^53 - 1 minor units (90 trillion dollars) cannot be read exactly as a number.
  if (!Number.isSafeInteger(n)) throw new RangeError(`${String(value)} minor units is beyond the exact range of a number`);
  return n + 0;
}

/** round(numerator / denominator), half up, for non-negative BigInts. */
export function roundHalfUp(numerator: bigint, denominator: bigint): bigint {
  return (2n * numerator + denominator) / (2n * denominator);
}

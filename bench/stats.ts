/** Order statistics and growth, for figures measured on a noisy machine. */

/** The q-quantile (0–1) by nearest rank; NaN for no samples. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return NaN
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[rank]!
}

export function median(samples: readonly number[]): number {
  if (samples.length === 0) return NaN
  const sorted = [...samples].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export function mean(samples: readonly number[]): number {
  return samples.reduce((s, x) => s + x, 0) / samples.length
}

/**
 * The exponent k in value ∝ size^k between two sizes: 1 is linear, below 1 sublinear; for a
 * per-item figure (bytes per name, µs per query) 0 is flat.
 */
export function growthExponent(size1: number, value1: number, size2: number, value2: number): number {
  return Math.log(value2 / value1) / Math.log(size2 / size1)
}

/** Numbers as a table shows them: 3 significant digits, thousands grouped. */
export function fmt(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return 'n/a'
  if (Math.abs(value) >= 10 ** digits) return Math.round(value).toLocaleString('en-US')
  return Number(value.toPrecision(digits)).toLocaleString('en-US', { maximumFractionDigits: 6 })
}

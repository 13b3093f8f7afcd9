/** A small, well-mixed 32-bit PRNG (splitmix-style): the same choices for the same seed. */
export function makeRng(seed: number) {
  let s = seed >>> 0
  const next = (): number => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296
  }
  const int = (n: number): number => Math.floor(next() * n)
  const range = (lo: number, hi: number): number => lo + int(hi - lo + 1)
  const pick = <T>(arr: readonly T[]): T => {
    if (arr.length === 0) throw new Error('pick from empty list')
    return arr[int(arr.length)] as T
  }
  const chance = (p: number): boolean => next() < p
  /** Standard normal (Box–Muller). */
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next())
  return { next, int, range, pick, chance, normal }
}

export type Rng = ReturnType<typeof makeRng>

/** Draws ranks 0..n-1 with Zipf weights 1/(r+1)^exponent: rank 0 is the most popular. */
export function makeZipf (rng: Rng, n: number, exponent: number): () => number {
  const cumulative = new Float64Array(n)
  let total = 0
  for (let r = 0; r < n; r++) {
    total += 1 / Math.pow(r + 1, exponent)
    cumulative[r] = total
  }
  return () => {
    const x = rng.next() * total
    let lo = 0
    let hi = n - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (cumulative[mid]! < x) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

/** Shuffles `items` in place (Fisher–Yates) and returns it. */
export function shuffle<T> (rng: Rng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1)
    const t = items[i]!
    items[i] = items[j]!
    items[j] = t
  }
  return items
}

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

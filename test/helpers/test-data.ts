// Where tests and benches find real-network data. The small sets the suite needs are vendored in
// test/fixtures (see test/fixtures/SOURCES.md), so a fresh clone runs them anywhere. Larger sets
// are read in place from MAGPIE_TEST_DATA (default ../shared/data; a relative value is taken from
// the repository root, never from the working directory) and are never copied into the repo.
import { appendFileSync, existsSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

/** The repository root (this file is <root>/test/helpers/test-data.ts). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** A vendored fixture: <root>/test/fixtures/<parts>. */
export function fixturePath (...parts: string[]): string {
  return path.join(repoRoot, 'test', 'fixtures', ...parts)
}

/** The folder of larger, unvendored data: MAGPIE_TEST_DATA, by default ../shared/data beside the repo. */
export function testDataDir (): string {
  return path.resolve(repoRoot, process.env.MAGPIE_TEST_DATA || '../shared/data')
}

/** A path inside MAGPIE_TEST_DATA (for benches' defaults; tests use requireTestData). */
export function testDataPath (...parts: string[]): string {
  return path.join(testDataDir(), ...parts)
}

export interface TestData {
  /** MAGPIE_TEST_DATA, resolved. */
  dir: string
  /** false when every file is there; otherwise the reason to give `test(…, { skip })`. */
  skip: false | string
}

/** Set where the data must be there (a machine that has it): missing data then fails the run. */
const required = (): boolean => ['1', 'true'].includes((process.env.MAGPIE_REQUIRE_TEST_DATA ?? '').toLowerCase())

/**
 * The files (relative to MAGPIE_TEST_DATA) a test file needs. When any is missing its tests are
 * skipped with a reason saying so, never passed vacuously: a banner goes to stderr, the gap is
 * listed for the end of scripts/test's run (through MAGPIE_TEST_DATA_REPORT, which it sets), and
 * with MAGPIE_REQUIRE_TEST_DATA=1 a test that fails is added. Not under plain CI: a fresh clone on
 * a fresh machine must run green, and has only the vendored fixtures.
 */
export function requireTestData(what: string, files: string[]): TestData {
  const dir = testDataDir()
  const missing = files.filter((f) => !existsSync(path.join(dir, f)))
  if (missing.length === 0) return { dir, skip: false }
  const skip = `DATA MISSING: ${missing.join(', ')} not in MAGPIE_TEST_DATA=${dir}`
  const reason = `${what} not run: ${skip} ` +
    '(point MAGPIE_TEST_DATA at the shared data folder; README, "Tests and their data")'
  process.stderr.write(`\n!! ${reason}\n\n`)
  const report = process.env.MAGPIE_TEST_DATA_REPORT
  if (report) appendFileSync(report, `${reason}\n`)
  if (required()) test(`test data for ${what} is present (MAGPIE_REQUIRE_TEST_DATA)`, () => { throw new Error(reason) })
  return { dir, skip }
}

/**
 * The compose stack (compose/), checked without a container engine, since CI has none. The
 * compose file is validated against the Compose Specification's JSON schema and every Dockerfile
 * under compose/ goes through a linter. Then come the promises a user would notice: only the API
 * port is published, secrets come only from the environment, replicas are on across the three
 * nodes, the OpenSearch image has every plugin of scripts/lib/opensearch-plugins.txt at
 * scripts/opensearch's version, and Magpie runs compiled and not as root. Whether the images
 * build and the stack starts is beyond this test: only a real `docker compose up` shows that.
 *
 * The schema is the copy of the Compose Specification's schema that the compose linter `dclint`
 * ships (its maintainers refresh it from the specification's repository). The Dockerfile linter
 * is `dockerfile-utils`, the validator behind the Docker language server.
 */
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Ajv } from 'ajv'
import { validate as lintDockerfile } from 'dockerfile-utils'
import { parse as parseYaml } from 'yaml'
import { configSchema, loadConfig, shardLayout } from '#/config/env.js'
import { familyLayout } from '#/store/shard-layout.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const read = (file: string) => readFileSync(path.join(root, file), 'utf8')

// ------------------------------------------------------------------------------------ the compose file

interface Service {
  image?: string
  build?: { context: string, dockerfile?: string }
  environment?: Record<string, string | number | boolean | null>
  ports?: (string | number | { target: number, published?: string | number })[]
  volumes?: (string | { type: string, source?: string, target: string })[]
  networks?: string[] | Record<string, unknown>
  network_mode?: string
  depends_on?: Record<string, { condition: string }>
}

interface Compose {
  services: Record<string, Service>
  networks?: Record<string, { internal?: boolean } | null>
  [key: string]: unknown
}

const COMPOSE_FILE = 'compose/docker-compose.yml'
/** Compose resolves a service's build context and its files from the compose file's folder. */
const COMPOSE_DIR = path.dirname(COMPOSE_FILE)

function loadCompose(): Compose {
  // `<<` merge keys are YAML 1.1, which Compose reads; the parser needs telling.
  return parseYaml(read(COMPOSE_FILE), { merge: true }) as Compose
}

const compose = loadCompose()
const magpie = compose.services.magpie!

/** The Dockerfile a service is built from, relative to the repository root. */
function dockerfileOf(service: Service): string | undefined {
  if (!service.build) return undefined
  return path.posix.normalize(path.posix.join(COMPOSE_DIR, service.build.context, service.build.dockerfile ?? 'Dockerfile'))
}

const OPENSEARCH_DOCKERFILE = 'compose/opensearch.Dockerfile'
const MAGPIE_DOCKERFILE = 'compose/magpie.Dockerfile'
const openSearchNodes = Object.keys(compose.services).filter((name) => dockerfileOf(compose.services[name]!) === OPENSEARCH_DOCKERFILE)

/**
 * Compose's interpolation of one value: `$$` is a literal `$`; `${NAME}`, `${NAME:-default}`,
 * `${NAME-default}`, `${NAME:?error}` and `${NAME?error}` as in the Compose Specification. Any
 * other form (`$NAME`, `${NAME:+…}`) throws, so that one this test cannot read never passes unread.
 */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$(\$|\{[^}]*\}|[A-Za-z_])/g, (whole, inner: string) => {
    if (inner === '$') return '$'
    const m = /^\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])(.*))?\}$/.exec(inner)
    if (!m) throw new Error(`${whole}: a form of interpolation this test does not read`)
    const [, name = '', colon, op, arg = ''] = m
    const set = colon ? Boolean(env[name]) : env[name] !== undefined
    if (set) return env[name]!
    if (op === '?') throw new Error(`${name}: ${arg}`)
    return op === '-' ? arg : ''
  })
}

/** A service's environment as its container gets it from compose, given the environment of `docker compose`. */
function environmentOf(service: Service, env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([key, value]) => [key, interpolate(String(value ?? ''), env)]))
}

/** The container port of one `ports` entry: `[[ip:]host:]container[/protocol]` or the long syntax. */
function containerPort(entry: string | number | { target: number }): number {
  if (typeof entry === 'object') return entry.target
  return Number(String(entry).split('/')[0]!.split(':').pop())
}

/** The names of the networks a service is attached to (`default` when it names none). */
function networksOf(service: Service): string[] {
  if (!service.networks) return ['default']
  return Array.isArray(service.networks) ? service.networks : Object.keys(service.networks)
}

// --------------------------------------------------------------------------------------- Dockerfiles

interface Instruction {
  keyword: string
  args: string
  line: number
}

/** A Dockerfile's instructions: continuation lines joined, comment and blank lines dropped (as the builder does). */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = []
  let pending: { text: string, line: number } | undefined
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd()
    if (/^\s*#/.test(line) || (!pending && line.trim() === '')) return
    const continued = line.endsWith('\\')
    const body = (continued ? line.slice(0, -1) : line).trim()
    pending = pending ? { text: `${pending.text} ${body}`, line: pending.line } : { text: body, line: i + 1 }
    if (continued) return
    const [, keyword, args] = /^(\S+)\s*(.*)$/.exec(pending.text)!
    out.push({ keyword: keyword!.toUpperCase(), args: args!, line: pending.line })
    pending = undefined
  })
  return out
}

/** The instructions of each build stage (each FROM starts one), with the stage's base image and name. */
function stages(text: string): { from: string, name?: string, body: Instruction[] }[] {
  const out: { from: string, name?: string, body: Instruction[] }[] = []
  for (const ins of instructions(text)) {
    if (ins.keyword === 'FROM') {
      const [from, as, name] = ins.args.split(/\s+/)
      out.push({ from: from!, ...(as?.toUpperCase() === 'AS' ? { name: name! } : {}), body: [] })
    } else {
      out.at(-1)?.body.push(ins)
    }
  }
  return out
}

/** `KEY=value` pairs of ENV or ARG instructions (the forms these Dockerfiles use: no quoting). */
function assignments(body: Instruction[], keyword: 'ENV' | 'ARG'): Record<string, string> {
  const out: Record<string, string> = {}
  for (const ins of body.filter((i) => i.keyword === keyword)) {
    for (const m of ins.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(\S*)/g)) out[m[1]!] = m[2]!
  }
  return out
}

const dockerfiles = readdirSync(path.join(root, 'compose')).filter((f) => f === 'Dockerfile' || f.endsWith('.Dockerfile')).map((f) => `compose/${f}`)

// ------------------------------------------------------------------------------------------- the tests

describe('the compose file', () => {
  const schema = composeSpecSchema()

  test('is valid under the Compose Specification\'s JSON schema', () => {
    const check = compileSchema(schema)
    assert.ok(check(compose), `schema errors: ${JSON.stringify(check.errors, null, 2)}`)
  })

  test('is checked against a real schema: a misspelt key and an unknown top-level section fail', () => {
    const properties = schema.properties as Record<string, unknown>
    const service = (schema.definitions as Record<string, { properties: Record<string, unknown> }>).service!
    assert.ok('services' in properties && 'volumes' in properties && 'networks' in properties)
    assert.ok('ports' in service.properties && 'build' in service.properties && 'healthcheck' in service.properties)
    const check = compileSchema(schema)
    const misspelt = loadCompose()
    const { ports, ...rest } = misspelt.services.magpie!
    misspelt.services.magpie = { ...rest, port: ports } as Service
    assert.equal(check(misspelt), false)
    assert.ok(check.errors?.some((e) => e.instancePath === '/services/magpie'), JSON.stringify(check.errors))
    assert.equal(check({ ...loadCompose(), clusters: { os: {} } }), false)
  })

  test('builds each image from a Dockerfile that exists, and mounts no host path (the checkout least of all)', () => {
    assert.equal(dockerfileOf(magpie), MAGPIE_DOCKERFILE)
    assert.deepEqual(openSearchNodes, ['os1', 'os2', 'os3'])
    for (const [name, service] of Object.entries(compose.services)) {
      const file = dockerfileOf(service)
      if (file) assert.ok(existsSync(path.join(root, file)), `${name}: ${file} is missing`)
      for (const volume of service.volumes ?? []) {
        const source = typeof volume === 'string' ? volume.split(':')[0]! : volume.type === 'bind' ? '/' : (volume.source ?? '')
        // A named volume is a bare name; `.`, `..`, `/…` and `~…` are paths on the host.
        assert.match(source, /^[A-Za-z0-9][A-Za-z0-9_.-]*$/, `${name} mounts ${JSON.stringify(volume)}`)
      }
    }
  })

  test('publishes the API port and nothing else', () => {
    const published = Object.entries(compose.services).filter(([, s]) => (s.ports ?? []).length > 0).map(([name]) => name)
    assert.deepEqual(published, ['magpie'])
    assert.deepEqual(magpie.ports!.map(containerPort), [apiPort()])
    for (const [name, service] of Object.entries(compose.services)) {
      assert.equal(service.network_mode, undefined, `${name} sets network_mode (host would expose every port)`)
    }
    // OpenSearch and Redis only on internal networks: Docker publishes nothing from those, and
    // they have no way out either.
    for (const name of [...openSearchNodes, 'redis']) {
      for (const network of networksOf(compose.services[name]!)) {
        assert.equal(compose.networks?.[network]?.internal, true, `${name} is on network ${network}, which is not internal`)
      }
    }
  })

  test('takes every secret from the environment of `docker compose`, and refuses to start without it', () => {
    // Every variable of Magpie's configuration whose value is a secret, found by name, so that
    // one added later is held to the same rule.
    const looksSecret = (name: string) => /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL/i.test(name)
    const secrets = Object.keys(configSchema.shape).filter(looksSecret)
    assert.ok(secrets.includes('SERVICE_SIGNING_KEY') && secrets.includes('MAGPIE_ADMIN_TOKEN'), `found ${secrets.join(', ')}`)
    for (const name of secrets) {
      assert.match(String(magpie.environment?.[name]), new RegExp(`^\\$\\{${name}:\\?[^}]+\\}$`), `${name} must be \${${name}:?…}`)
      assert.throws(() => environmentOf(magpie, { ...exampleEnvironment(), [name]: '' }), new RegExp(`^Error: ${name}: `))
    }
    for (const [service, spec] of Object.entries(compose.services)) {
      for (const [key, value] of Object.entries(spec.environment ?? {})) {
        if (looksSecret(key)) assert.match(String(value), new RegExp(`^\\$\\{${key}[:?}]`), `${service}: ${key} is written in the file`)
        assert.doesNotMatch(String(value), /\/\/[^/@\s]+:[^/@\s]+@/, `${service}: ${key} carries credentials in a URL`)
      }
    }
  })

  test('runs a three-node cluster with replicas on, and Magpie reaches every node', () => {
    for (const node of openSearchNodes) {
      const env = environmentOf(compose.services[node]!, {})
      assert.equal(env['node.name'], node)
      assert.deepEqual(env['discovery.seed_hosts']!.split(','), openSearchNodes)
      assert.deepEqual(env['cluster.initial_cluster_manager_nodes']!.split(','), openSearchNodes)
    }
    // The container's environment: the image's ENV, then compose's.
    const runtime = stages(read(MAGPIE_DOCKERFILE)).at(-1)!
    const config = loadConfig({ ...assignments(runtime.body, 'ENV'), ...environmentOf(magpie, exampleEnvironment()) })
    assert.deepEqual(config.OPENSEARCH_URL!.split(','), openSearchNodes.map((node) => `http://${node}:9200`))
    assert.equal(new URL(config.REDIS_URL!).hostname, 'redis')
    assert.equal(config.HOST, '0.0.0.0')
    assert.equal(config.PORT, apiPort())
    // A monthly partition of a big family on these nodes: a shard on each, one replica, writes
    // acknowledged once every copy has them.
    const partition = familyLayout(shardLayout(config), 'posts', true, openSearchNodes.length)
    assert.equal(partition.number_of_shards, openSearchNodes.length)
    assert.equal(partition.number_of_replicas, 1)
    assert.equal(partition['write.wait_for_active_shards'], 'all')
    const single = familyLayout(shardLayout(config), 'profiles', false, openSearchNodes.length)
    assert.equal(single.number_of_replicas, 1)
    for (const node of [...openSearchNodes, 'redis']) assert.equal(magpie.depends_on?.[node]?.condition, 'service_healthy', node)
  })
})

describe('the Dockerfiles under compose/', () => {
  test('pass the Dockerfile linter without a warning', () => {
    assert.ok(dockerfiles.includes(MAGPIE_DOCKERFILE) && dockerfiles.includes(OPENSEARCH_DOCKERFILE), dockerfiles.join(', '))
    for (const file of dockerfiles) {
      const problems = lintDockerfile(read(file)).map((d) => `${file}:${d.range.start.line + 1}: ${d.message}`)
      assert.deepEqual(problems, [])
    }
  })

  test('are linted for real: a broken Dockerfile is reported', () => {
    const problems = lintDockerfile('FROM node:22\nHEALTHCHECK --interva=30s CMD true\nCOPY only-one-argument\n')
    assert.ok(problems.some((d) => d.range.start.line === 1 && /interva/.test(String(d.message))), JSON.stringify(problems))
    assert.ok(problems.some((d) => d.range.start.line === 2), JSON.stringify(problems))
  })
})

describe('the OpenSearch image', () => {
  const text = read(OPENSEARCH_DOCKERFILE)
  const [stage] = stages(text)
  const run = stage!.body.filter((i) => i.keyword === 'RUN').map((i) => i.args).join('\n')
  const version = assignments(instructions(text).filter((i) => i.keyword === 'ARG'), 'ARG').OPENSEARCH_VERSION!

  test('is the stock image of the version scripts/opensearch runs', () => {
    const local = /^OPENSEARCH_VERSION="\$\{OPENSEARCH_VERSION:-([^}]+)\}"$/m.exec(read('scripts/opensearch'))?.[1]
    assert.equal(version, local)
    assert.equal(stage!.from, 'opensearchproject/opensearch:${OPENSEARCH_VERSION}')
    for (const node of openSearchNodes) assert.equal(compose.services[node]!.image?.split(':')[1], version, `${node}'s image tag`)
  })

  test('has every plugin of scripts/lib/opensearch-plugins.txt, the missing ones installed by name', () => {
    const listed = pluginList(version)
    assert.ok(listed.length >= 5 && listed.some((p) => p.name === 'analysis-icu'), JSON.stringify(listed))
    const installed = /\bopensearch-plugin install --batch ([^;&|\n]+)/.exec(run)?.[1]?.trim().split(/\s+/) ?? []
    const checked = (kind: string) => new RegExp(`for ${kind} in ([^;]+); do`).exec(run)?.[1]?.trim().split(/\s+/).sort()
    // By name, so they come from OpenSearch's own servers in the image's version (no URL, no file).
    for (const name of installed) assert.match(name, /^[a-z0-9-]+$/)
    assert.deepEqual(installed.filter((name) => !listed.some((p) => p.name === name)), [], 'installed but not listed')
    // The build stops when a required plugin is missing and warns for an optional one, as
    // `scripts/opensearch fetch` does; the plugins it does not install are the stock image's own.
    assert.deepEqual(checked('required'), listed.filter((p) => p.policy === 'required').map((p) => p.name).sort())
    assert.deepEqual(checked('optional'), listed.filter((p) => p.policy === 'optional').map((p) => p.name).sort())
    const bundled = listed.map((p) => p.name).filter((name) => !installed.includes(name))
    assert.deepEqual(bundled.sort(), STOCK_IMAGE_PLUGINS)
  })

  test('leaves the security plugin off, as Magpie\'s plain http:// URLs to the nodes expect', () => {
    const env = assignments(stage!.body, 'ENV')
    assert.equal(env.DISABLE_SECURITY_PLUGIN, 'true')
    assert.equal(env.DISABLE_INSTALL_DEMO_CONFIG, 'true')
    for (const url of String(magpie.environment?.OPENSEARCH_URL).split(',')) assert.equal(new URL(url).protocol, 'http:')
  })
})

describe('the Magpie image', () => {
  const all = stages(read(MAGPIE_DOCKERFILE))
  const runtime = all.at(-1)!

  test('compiles in a build stage and runs the compiled CLI on Node 22 or newer, `magpie up` by default', () => {
    const build = all.find((s) => s.body.some((i) => i.keyword === 'RUN' && /\bnpm run build\b/.test(i.args)))
    assert.ok(build && build !== runtime, 'no build stage runs `npm run build`')
    const major = Number(/^node:(\d+)/.exec(runtime.from)?.[1])
    const engines = Number(/>=\s*(\d+)/.exec((JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node)?.[1])
    assert.ok(major >= engines && engines >= 22, `runtime ${runtime.from}, engines ${engines}`)
    const entrypoint = JSON.parse(runtime.body.find((i) => i.keyword === 'ENTRYPOINT')!.args) as string[]
    assert.deepEqual(entrypoint, ['node', 'dist/src/cli/main.js'])
    // tsconfig.build.json compiles from the root into dist/: dist/src/cli/main.js is src/cli/main.ts.
    const buildConfig = JSON.parse(read('tsconfig.build.json')) as { compilerOptions: { outDir: string, rootDir: string } }
    assert.deepEqual([buildConfig.compilerOptions.outDir, buildConfig.compilerOptions.rootDir], ['dist', '.'])
    assert.ok(existsSync(path.join(root, 'src/cli/main.ts')))
    assert.deepEqual(JSON.parse(runtime.body.find((i) => i.keyword === 'CMD')!.args), ['up'])
  })

  test('carries the production dependencies only', () => {
    const copy = runtime.body.find((i) => i.keyword === 'COPY' && /\bnode_modules\b/.test(i.args))
    const from = /--from=(\S+)/.exec(copy?.args ?? '')?.[1]
    const deps = all.find((s) => s.name === from)
    assert.ok(deps?.body.some((i) => i.keyword === 'RUN' && /\bnpm ci\b.*--omit=dev/.test(i.args)), `node_modules comes from stage ${from}`)
  })

  test('runs as a non-root user', () => {
    const user = runtime.body.filter((i) => i.keyword === 'USER').at(-1)?.args
    assert.ok(user, 'the runtime stage sets no USER, so it runs as root')
    assert.doesNotMatch(user, /^(root|0)(:|$)/)
  })

  test('is built from a context that leaves out packages, caches, tests and benchmarks, but not what it copies', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
    for (const entry of ['node_modules', '.local', 'dist', 'test', 'bench', '.git']) assert.ok(ignored.includes(entry), `${entry} is sent to the build`)
    for (const stage of all) {
      for (const copy of stage.body.filter((i) => i.keyword === 'COPY' && !i.args.includes('--from='))) {
        const sources = copy.args.split(/\s+/).filter((a) => !a.startsWith('--')).slice(0, -1)
        for (const source of sources) assert.ok(!ignored.includes(source.split('/')[0]!), `${source} is copied but ignored`)
      }
    }
  })
})

// ------------------------------------------------------------------------------------------- helpers

/**
 * Plugins of scripts/lib/opensearch-plugins.txt that the stock image bundles (it is the full
 * distribution). The image's build fails or warns when one is missing, so this list is checked
 * for real by every `docker compose build`.
 */
const STOCK_IMAGE_PLUGINS = ['opensearch-custom-codecs', 'opensearch-index-management', 'opensearch-job-scheduler']

/** The lines of scripts/lib/opensearch-plugins.txt that apply to OpenSearch `version`. */
function pluginList(version: string): { name: string, policy: string }[] {
  const out: { name: string, policy: string }[] = []
  for (const line of read('scripts/lib/opensearch-plugins.txt').split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue
    const [name, , policy, versions] = line.trim().split(/\s+/)
    const glob = versions && new RegExp(`^${versions.split('*').map((p) => p.replace(/[.?+^$()[\]{}|\\]/g, '\\$&')).join('.*')}$`)
    if (!glob || glob.test(version)) out.push({ name: name!, policy: policy! })
  }
  return out
}

/** The port Magpie listens on in its container (the image's PORT). */
function apiPort(): number {
  return Number(assignments(stages(read(MAGPIE_DOCKERFILE)).at(-1)!.body, 'ENV').PORT)
}

/** What an operator exports before `docker compose up` (docs/OPERATIONS.md): valid values of every required variable. */
function exampleEnvironment(): Record<string, string> {
  return {
    SERVICE_DID: 'did:web:appview.example.com',
    SERVICE_SIGNING_KEY: '7f'.repeat(32),
    MAGPIE_ADMIN_TOKEN: 'an-admin-token-of-some-length',
  }
}

/** The Compose Specification's JSON schema, as the dclint package ships it. */
function composeSpecSchema(): Record<string, unknown> {
  const pkg = createRequire(import.meta.url).resolve('dclint/package.json')
  return JSON.parse(readFileSync(path.join(path.dirname(pkg), 'schemas/compose.schema.json'), 'utf8')) as Record<string, unknown>
}

function compileSchema(schema: Record<string, unknown>) {
  // The schema names draft-07 by an https address Ajv does not know it by; Ajv's default
  // meta-schema is draft-07, so the schema is still checked against it once the name is dropped.
  const { $schema, ...rest } = schema
  assert.match(String($schema), /json-schema\.org\/draft-07\/schema/)
  // strictSchema: a keyword Ajv does not know fails the compilation instead of being ignored.
  return new Ajv({ allErrors: true, strictSchema: true, strictTypes: false, strictTuples: false }).compile(rest)
}

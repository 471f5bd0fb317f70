// Times @cloud-copilot/iam-simulate on scenarios translated by tests/bench_peer.py; prints one JSON object.
//
//   node tests/peer/iam_simulate_driver.mjs PEER_PREFIX SCENARIOS.json [RUNS]
//
// PEER_PREFIX is the folder given to `npm install --prefix` (the package is not part of this
// repository: it is AGPL-3.0, installed by bench_peer.py into a cache folder). Nothing of its code
// is copied here; this file only calls it.
//
// Two figures, each as seconds per sweep over every accepted scenario, best of 5 sweeps, RUNS runs (3):
//   core: the core engine's authorize() on requests and policies prepared beforehand (pre-parsed);
//   simulate: runSimulation() on a simulation whose policies are parsed from JSON text each time.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const [prefix, scenariosFile, runsText] = process.argv.slice(2)
const RUNS = Number(runsText || 3)
const modules = join(prefix, 'node_modules', '@cloud-copilot')
const dist = join(modules, 'iam-simulate', 'dist', 'esm')
const load = (path) => import(pathToFileURL(path).href)

const { runSimulation, isWildcardOnlyAction } = await load(join(dist, 'index.js'))
const { authorize } = await load(join(dist, 'core_engine', 'CoreSimulatorEngine.js'))
const { normalizeSimulationParameters } = await load(join(dist, 'simulation_engine', 'simulationEngine.js'))
const { AwsRequestImpl } = await load(join(dist, 'request', 'request.js'))
const { RequestContextImpl } = await load(join(dist, 'requestContext.js'))
const { DiscoveryContextKeyConstraints } = await load(join(dist, 'context_keys', 'discoveryContextKeyConstraints.js'))
const { loadPolicy } = await load(join(modules, 'iam-policy', 'dist', 'esm', 'index.js'))
const version = JSON.parse(readFileSync(join(modules, 'iam-simulate', 'package.json'), 'utf8')).version

const scenarios = JSON.parse(readFileSync(scenariosFile, 'utf8'))

// AWS attaches RCPFullAWSAccess at every level of the organization (and it cannot be detached).
const rcpFullAccess = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] }

function levels(list, kind) {
  return (list || []).map((level, depth) => ({
    orgIdentifier: `${kind}-level-${depth}`,
    policies: level.map((policy, index) => ({ name: `${kind}-${depth}-${index}`, policy }))
  }))
}

/** The Simulation for a scenario; with ``fromText``, every policy parsed from its JSON text. */
function simulationOf(s, parse = (p) => p) {
  const p = s.policies
  const simulation = {
    request: {
      principal: s.principal,
      action: s.action,
      resource: { resource: s.resource, accountId: s.accountId },
      contextVariables: s.context
    },
    identityPolicies: (p.identity || []).map((policy, index) => ({ name: `identity-${index}`, policy: parse(policy) })),
    serviceControlPolicies: levels(p.scps, 'scp').map((l) => ({ ...l, policies: l.policies.map((x) => ({ ...x, policy: parse(x.policy) })) })),
    resourceControlPolicies: levels(p.rcps, 'rcp').map((l) => ({ ...l, policies: l.policies.map((x) => ({ ...x, policy: parse(x.policy) })) }))
  }
  if (p.key_policy) simulation.resourcePolicy = parse(p.key_policy)
  if (p.boundary) simulation.permissionBoundaryPolicies = [{ name: 'boundary', policy: parse(p.boundary) }]
  if (p.session) simulation.sessionPolicy = parse(p.session)
  if (p.vpc_endpoint && p.vpc_endpoint.length) {
    simulation.vpcEndpointPolicies = p.vpc_endpoint.map((policy, index) => ({ name: `vpce-${index}`, policy: parse(policy) }))
  }
  return simulation
}

/** The core engine's input, prepared once: loaded policies, the request and its valid context. */
async function authorizationOf(s) {
  const p = s.policies
  const named = (policy, name) => loadPolicy(policy, { name })
  const simulation = simulationOf(s)
  const { validContextValues } = await normalizeSimulationParameters(simulation, undefined)
  const [service, action] = s.action.split(':')
  const wildcardOnly = await isWildcardOnlyAction(service, action)
  const controls = (list, kind, base) =>
    levels(list, kind).map((l) => ({
      orgIdentifier: l.orgIdentifier,
      policies: [...base.map((policy) => named(policy, `${kind}-full-access`)), ...l.policies.map((x) => named(x.policy, x.name))]
    }))
  return {
    request: new AwsRequestImpl(s.principal, { resource: s.resource, accountId: s.accountId }, s.action,
      new RequestContextImpl(validContextValues), wildcardOnly),
    sessionPolicy: p.session ? named(p.session, 'session') : undefined,
    identityPolicies: (p.identity || []).map((policy, index) => named(policy, `identity-${index}`)),
    serviceControlPolicies: controls(p.scps, 'scp', []),
    resourceControlPolicies: controls(p.rcps, 'rcp', [rcpFullAccess]),
    resourcePolicy: p.key_policy ? named(p.key_policy, 'key-policy') : undefined,
    permissionBoundaries: p.boundary ? [named(p.boundary, 'boundary')] : undefined,
    vpcEndpointPolicies: p.vpc_endpoint && p.vpc_endpoint.length
      ? p.vpc_endpoint.map((policy, index) => named(policy, `vpce-${index}`)) : undefined,
    simulationParameters: { simulationMode: 'Strict', discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([]) }
  }
}

// Which scenarios iam-simulate accepts, and its answers.
const accepted = []
const rejected = []
const results = {}
const ignored = {}
const coreMismatch = []
for (const s of scenarios) {
  let response
  try {
    response = await runSimulation(simulationOf(s), {})
  } catch (error) {
    rejected.push({ id: s.id, message: `threw: ${error && error.message}` })
    continue
  }
  if (response.resultType !== 'single') {
    const message = response.resultType === 'error' ? response.errors.message : `result type ${response.resultType}`
    rejected.push({ id: s.id, message })
    continue
  }
  const prepared = await authorizationOf(s)
  const core = authorize(prepared).result
  if (core !== response.overallResult) coreMismatch.push({ id: s.id, core, simulate: response.overallResult })
  results[s.id] = response.overallResult
  if (response.result.ignoredContextKeys && response.result.ignoredContextKeys.length) ignored[s.id] = response.result.ignoredContextKeys
  accepted.push({ scenario: s, prepared, texts: textsOf(s) })
}

function textsOf(s) {
  const p = s.policies
  const text = (policy) => JSON.stringify(policy, null, 2)
  return {
    ...s,
    policies: {
      key_policy: p.key_policy ? text(p.key_policy) : null,
      identity: (p.identity || []).map(text),
      boundary: p.boundary ? text(p.boundary) : null,
      session: p.session ? text(p.session) : null,
      scps: (p.scps || []).map((level) => level.map(text)),
      rcps: (p.rcps || []).map((level) => level.map(text)),
      vpc_endpoint: (p.vpc_endpoint || []).map(text)
    }
  }
}

const seconds = (start) => Number(process.hrtime.bigint() - start) / 1e9

function sweepCore() {
  const start = process.hrtime.bigint()
  for (const { prepared } of accepted) authorize(prepared)
  return seconds(start)
}

async function sweepSimulate() {
  const start = process.hrtime.bigint()
  for (const { texts } of accepted) await runSimulation(simulationOf(texts, JSON.parse), {})
  return seconds(start)
}

async function warm(sweep, budget) {
  const start = process.hrtime.bigint()
  do await sweep()
  while (seconds(start) < budget)
}

async function runs(sweep) {
  const out = []
  for (let run = 0; run < RUNS; run++) {
    let best = Infinity
    for (let i = 0; i < 5; i++) best = Math.min(best, await sweep())
    out.push(best)
  }
  return out
}

let core = []
let simulate = []
if (accepted.length) {
  await warm(sweepCore, 1.0)
  core = await runs(sweepCore)
  await warm(sweepSimulate, 1.0)
  simulate = await runs(sweepSimulate)
}

process.stdout.write(JSON.stringify({
  version,
  node: process.version,
  accepted: accepted.length,
  rejected,
  results,
  ignored_context_keys: ignored,
  core_mismatch: coreMismatch,
  core,
  simulate
}) + '\n')

// apiSecurity.js — what the API security page derives from stored events
// and policy texts (docs/API-SECURITY.md). Pure functions, no requests.

function matchesOf(events, detector) {
  const out = []
  for (const e of events || []) {
    for (const m of e.matches || []) {
      if (m && m.detector === detector) out.push({ event: e, match: m })
    }
  }
  return out
}

// The configuration baseline of an application from its `baseline` matches,
// newest event first (the events API's order): the latest reported score
// ("baseline score N/100: ids", target "response") and each finding once,
// as last seen, with its remediation. The gateway reports a finding at most
// once an hour per application, so the findings are those of the events'
// period. score is null when no score was reported.
export function baselineScorecard(events) {
  let score = null
  let time = null
  const findings = new Map()
  for (const { event, match } of matchesOf(events, 'baseline')) {
    const scored = /^baseline score (\d+)\/100/.exec(match.detail || '')
    if (scored) {
      if (score === null) {
        score = Number(scored[1])
        time = event.time
      }
    } else if (match.excerpt && !findings.has(match.excerpt)) {
      findings.set(match.excerpt, { id: match.excerpt, target: match.target || '', remediation: match.detail || '', time: event.time })
    }
  }
  return { score, time, findings: [...findings.values()].sort((a, b) => a.id.localeCompare(b.id)) }
}

// Each OpenAPI violation (detector "openapi") of the events, newest first:
// the target says what failed (`path:NAME`, `query:NAME`, `json:/POINTER`,
// `header:Content-Type`, `body`, ...) and the detail why.
export function openapiViolations(events) {
  return matchesOf(events, 'openapi').map(({ event, match }, i) => ({
    key: event.id + ':' + i,
    time: event.time,
    method: event.method || '',
    uri: event.uri || '',
    action: event.action || '',
    status: event.status,
    target: match.target || '',
    reason: match.detail || '',
  }))
}

// The policy's API protection directives (docs/API-SECURITY.md), in file
// order with their line numbers, each split into its positional words
// (`per_key 600/h` of a ratelimit, `/api/ block` of a bot rule) and its
// NAME=VALUE options (`key=apikey,route`, `difficulty=16`); a trailing
// `# comment` is left out.
const API_DIRECTIVES = new Set(['openapi', 'ratelimit', 'bot', 'bot_key', 'bot_good', 'enumerate', 'login', 'baseline', 'reputation'])
export function apiDirectives(text) {
  const out = []
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\s#.*$/, '').trim()
    const [kind, ...rest] = line.split(/\s+/)
    if (!API_DIRECTIVES.has(kind)) return
    const words = []
    const options = []
    for (const w of rest) {
      const eq = w.indexOf('=')
      if (eq > 0) options.push({ name: w.slice(0, eq), value: w.slice(eq + 1) })
      else words.push(w)
    }
    out.push({ line: i + 1, kind, text: line, words, options })
  })
  return out
}

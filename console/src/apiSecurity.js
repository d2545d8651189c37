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
// order with their line numbers.
const API_DIRECTIVES = new Set(['openapi', 'ratelimit', 'bot', 'bot_key', 'bot_good', 'enumerate', 'login', 'baseline', 'reputation'])
export function apiDirectives(text) {
  const out = []
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim()
    const kind = line.split(/\s+/, 1)[0]
    if (API_DIRECTIVES.has(kind)) out.push({ line: i + 1, kind, text: line })
  })
  return out
}

// portal/api.js — the login portal's calls to rampartd's /api/v1/id/*
// (docs/IDENTITY.md, "Portal API"). The portal's session is its own cookie
// and CSRF token, separate from the console operator's (../api.js).
import { reactive } from 'vue'

// policy: the password rules rampartd states (its rampartd.conf settings), defaults until it does
export const portal = reactive({ csrf: '', user: null, amr: '', policy: { min_length: 12, min_classes: 3 } })

// The hint under new-password fields, in the user's language.
export const policyHint = (t) => t('portal.changeHint', { n: portal.policy.min_length, c: portal.policy.min_classes })

export class PortalError extends Error {
  constructor(status, data, retryAfter) {
    super((data && (data.message || data.error)) || `HTTP ${status}`)
    this.status = status
    this.code = (data && data.error) || ''
    this.retryAfter = retryAfter
  }
}

export async function idApi(method, path, body) {
  const headers = { Accept: 'application/json' }
  if (method !== 'GET' && portal.csrf) headers['X-CSRF-Token'] = portal.csrf
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' }
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json'
    init.body = JSON.stringify(body)
  }
  const res = await fetch('/api/v1/id' + path, init)
  let data = null
  if (res.status !== 204) {
    try {
      data = await res.json()
    } catch {
      data = null
    }
  }
  if (!res.ok) throw new PortalError(res.status, data, Number(res.headers.get('Retry-After')) || 0)
  if (data && data.csrf_token) portal.csrf = data.csrf_token
  if (data && data.password_policy) portal.policy = data.password_policy
  return data
}

// The portal session, or null when there is none.
export async function loadPortalSession() {
  try {
    const s = await idApi('GET', '/session')
    portal.user = s.user
    portal.amr = s.amr
    return s
  } catch {
    portal.user = null
    portal.csrf = ''
    return null
  }
}

// The gateway's redirect parameters (all three or none), from the query.
export function handoffTarget(query) {
  const pick = (k) => (typeof query[k] === 'string' ? query[k] : '')
  const t = { app: pick('app'), rd: pick('rd'), n: pick('n') }
  return t.app && t.rd && t.n ? t : null
}

// Leaves the portal for the hand-off URL rampartd built (it checked the host).
export function follow(url) {
  window.location.assign(url)
}

// api.js — every call to rampartd's API goes through here: same-origin
// fetch with the session cookie, the CSRF token on state-changing methods
// (docs/RAMPARTD.md, "CSRF"), JSON in and out, errors as ApiError.
import { session } from './session.js'

export class ApiError extends Error {
  constructor(status, data) {
    super((data && (data.message || data.error)) || `HTTP ${status}`)
    this.status = status
    this.code = (data && data.error) || ''
    this.data = data
  }
}

// Called when a request finds the session gone (401): the app goes to login.
let onUnauthenticated = () => {}
export function setUnauthenticatedHandler(fn) {
  onUnauthenticated = fn
}

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' }
  if (method !== 'GET' && method !== 'HEAD' && session.csrf) headers['X-CSRF-Token'] = session.csrf
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' }
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json'
    init.body = JSON.stringify(body)
  }
  const res = await fetch(path, init)
  let data = null
  if (res.status !== 204) {
    try {
      data = await res.json()
    } catch {
      data = null
    }
  }
  // the session probe (router.js) answers 401 before any page is shown: no
  // redirect from it, or a public page (the login portal) would be left
  if (res.status === 401 && !path.startsWith('/api/v1/auth/login') && path !== '/api/v1/auth/session') {
    session.clear()
    onUnauthenticated()
  }
  if (!res.ok) throw new ApiError(res.status, data)
  return data
}

// A query string from an object, leaving out empty values.
export function query(params) {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v))
  }
  const s = q.toString()
  return s ? `?${s}` : ''
}

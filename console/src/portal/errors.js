// portal/errors.js — the portal API's refusals in words, for the aria-live
// error line (messages: locales/*.js, group `portal`).
const KNOWN = {
  invalid_credentials: 'failed',
  invalid_code: 'invalidCode',
  invalid_step: 'invalidStep',
  bad_redirect: 'badRedirect',
  cross_origin: 'crossOrigin',
  invalid_credential: 'invalidCredential',
  credential_exists: 'keyExists',
  webauthn_refused: 'invalidCredential',
}

export function portalError(t, e) {
  if (e && (e.name === 'NotAllowedError' || e.name === 'AbortError')) return t('portal.keyCancelled') // the browser's own dialog
  if (!e || !e.status) return e && e.message ? e.message : String(e) // already in words (checks in the page)
  if (e.status === 429) return t('portal.throttled', { s: e.retryAfter || 60 })
  if (e.code === 'weak_password') return t('portal.weak', { m: e.message })
  if (e.code === 'invalid_request') return t('consent.expired') // an OpenID Connect request rampartd no longer holds
  if (KNOWN[e.code]) return t('portal.' + KNOWN[e.code])
  return t('portal.error', { m: e.message })
}

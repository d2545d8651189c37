// portal/oidc.js — the portal's half of an OpenID Connect authorization
// (docs/IDENTITY.md, "OpenID Connect provider"): rampartd's /oidc/authorize
// sends the browser to /id/login?oidc=<request id>; the portal completes the
// request with its session. The only URLs the portal ever leaves for are the
// ones rampartd answers, built from the client's registered redirect URIs.
import { idApi } from './api.js'

// The request id from the query (22 base64url characters), or ''.
export function oidcRequest(query) {
  const id = typeof query.oidc === 'string' ? query.oidc : ''
  return /^[A-Za-z0-9_-]{22}$/.test(id) ? id : ''
}

// {status: ok|error, redirect} or {status: consent_required, client, scopes};
// a 401 login_required is thrown (sign in, then call again).
export const authorizeRequest = (request) => idApi('POST', '/oidc/authorize', { request })
export const answerConsent = (request, approve) => idApi('POST', '/oidc/consent', { request, approve })

// What each scope shares, for the consent screen (messages: locales, group `consent`).
export const SCOPE_KEYS = ['openid', 'profile', 'email', 'phone', 'groups', 'offline_access']

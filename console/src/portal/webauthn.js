// portal/webauthn.js — the browser's side of a WebAuthn ceremony: rampartd's
// options (JSON, binary fields base64url) to navigator.credentials and the
// answer back as JSON (W3C WebAuthn Level 3 §5.1.8, toJSON), by hand where
// the browser lacks parse*OptionsFromJSON / toJSON.
import { idApi } from './api.js'

const b64uToBytes = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))
const bytesToB64u = (buf) =>
  btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')

export const webauthnAvailable = () => typeof window !== 'undefined' && !!window.PublicKeyCredential

function creationOptions(o) {
  if (PublicKeyCredential.parseCreationOptionsFromJSON) return PublicKeyCredential.parseCreationOptionsFromJSON(o)
  return {
    ...o,
    challenge: b64uToBytes(o.challenge),
    user: { ...o.user, id: b64uToBytes(o.user.id) },
    excludeCredentials: (o.excludeCredentials || []).map((c) => ({ ...c, id: b64uToBytes(c.id) })),
  }
}

function requestOptions(o) {
  if (PublicKeyCredential.parseRequestOptionsFromJSON) return PublicKeyCredential.parseRequestOptionsFromJSON(o)
  return { ...o, challenge: b64uToBytes(o.challenge), allowCredentials: (o.allowCredentials || []).map((c) => ({ ...c, id: b64uToBytes(c.id) })) }
}

function toJSON(cred) {
  if (typeof cred.toJSON === 'function') return cred.toJSON()
  const r = cred.response
  const response = { clientDataJSON: bytesToB64u(r.clientDataJSON) }
  if (r.attestationObject) {
    response.attestationObject = bytesToB64u(r.attestationObject)
    response.transports = r.getTransports ? r.getTransports() : []
  } else {
    response.authenticatorData = bytesToB64u(r.authenticatorData)
    response.signature = bytesToB64u(r.signature)
    if (r.userHandle) response.userHandle = bytesToB64u(r.userHandle)
  }
  return { id: cred.id, rawId: bytesToB64u(cred.rawId), type: cred.type, response, clientExtensionResults: {} }
}

// Registers a security key or passkey for the signed-in user.
export async function registerKey(name) {
  const begin = await idApi('POST', '/webauthn/register/begin', { name })
  const cred = await navigator.credentials.create({ publicKey: creationOptions(begin.publicKey) })
  return idApi('POST', '/webauthn/register/finish', { ceremony: begin.ceremony, credential: toJSON(cred), name })
}

// A login with a key: the second factor (stepToken) or a passkey alone
// (target: the gateway's app, rd, n). Answers as /login does.
export async function signInWithKey(stepToken, target) {
  const begin = await idApi('POST', '/webauthn/login/begin', stepToken ? { step_token: stepToken } : { ...(target || {}) })
  const cred = await navigator.credentials.get({ publicKey: requestOptions(begin.publicKey) })
  return idApi('POST', '/webauthn/login/finish', { ceremony: begin.ceremony, credential: toJSON(cred) })
}

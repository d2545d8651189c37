// totp.mjs — RFC 6238 codes for the browser tests (portal_e2e.mjs,
// oidc_consent_e2e.mjs).
import { createHmac } from 'node:crypto'

// RFC 4648 base32 and RFC 6238 TOTP (HMAC-SHA-1, 30 s, 6 digits), written
// here so the test does not trust rampartd's own arithmetic.
function base32(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = 0
  let value = 0
  const out = []
  for (const ch of text.replace(/=+$/, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(ch)
    bits += 5
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff)
      bits -= 8
    }
  }
  return Buffer.from(out)
}
export function totp(secret, step) {
  const counter = Buffer.alloc(8)
  counter.writeBigUInt64BE(BigInt(step))
  const mac = createHmac('sha1', base32(secret)).update(counter).digest()
  const off = mac[mac.length - 1] & 0x0f
  const n = (mac.readUInt32BE(off) & 0x7fffffff) % 1000000
  return String(n).padStart(6, '0')
}

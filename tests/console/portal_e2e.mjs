// portal_e2e.mjs — the login portal end to end in headless Chromium (Debian's
// chromium, playwright-core), as a user of a protected application. Run by
// tests/integration/test_portal_e2e.py, which starts rampartd (serving the
// portal), `rampart sync` and nginx enforcing identity for application hr:
//
//   RD_URL            rampartd (the portal is RD_URL/id/...)
//   APP_URL           the application through the gateway (http://APP_HOST:GW_PORT)
//   APP_HOST, GW_PORT Chromium resolves APP_HOST to 127.0.0.1
//   TEMP_PASSWORD     the operator's temporary password for li.na
//   SHOT_DIR, CHROMIUM, CONSOLE_SRC   as for e2e.mjs
//
// Exits non-zero on the first failed check; prints "portal e2e ok" at the end.
import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import path from 'node:path'
import { launch, watch } from './chromium.mjs'
import { totp } from './totp.mjs'

const RD = process.env.RD_URL
const APP = process.env.APP_URL
const SHOTS = process.env.SHOT_DIR
const PAGE = APP + '/hr/payslips'
const NEW_PASSWORD = '春天的风 Blows-Softly 7'

const problems = []
function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what)
}

async function shot(page, name) {
  await page.waitForTimeout(150)
  await page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: true })
  console.log('screenshot ' + name + '.png')
}

// The gateway's answer to an API client carrying a given session cookie.
function gatewayStatus(cookie) {
  return execFileSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5',
    '--resolve', `${process.env.APP_HOST}:${process.env.GW_PORT}:127.0.0.1`, '-H', 'Accept: application/json',
    '-H', `Cookie: rampart_id=${cookie}`, PAGE]).toString().trim()
}

async function signIn(page, user, password) {
  await page.fill('input[name=username]', user)
  await page.fill('input[name=password]', password)
  await page.press('input[name=password]', 'Enter')
}

const { context, profile } = await launch('rp-portal-', { extraArgs: [`--host-resolver-rules=MAP ${process.env.APP_HOST} 127.0.0.1`] })
let failed = false
try {
  const page = context.pages()[0] || (await context.newPage())
  watch(page, [RD, APP], problems)

  // --- the protected page sends the browser to the portal (zh-CN) ---
  await page.goto(PAGE)
  await page.waitForURL((u) => u.href.startsWith(RD + '/id/login?app=hr&rd='))
  await page.waitForSelector('[data-test=portal-login]')
  check((await page.textContent('h1')).includes('登录'), 'the portal speaks Chinese by default')
  await shot(page, '01-portal-login-zh')

  // --- the temporary password: changed first, then straight back to the page ---
  await signIn(page, 'li.na', process.env.TEMP_PASSWORD)
  await page.waitForSelector('[data-test=portal-change]')
  check(await page.evaluate(() => document.activeElement && document.activeElement.tagName === 'H1'), 'focus on the new step')
  await page.fill('input[name=new]', NEW_PASSWORD)
  await page.fill('input[name=confirm]', NEW_PASSWORD + 'x')
  await page.press('input[name=confirm]', 'Enter')
  await page.waitForSelector('[data-test=portal-error]')
  check((await page.getAttribute('[data-test=portal-error]', 'role')) === 'alert', 'errors are announced')
  await shot(page, '02-portal-change-mismatch-zh')
  await page.fill('input[name=confirm]', NEW_PASSWORD)
  await page.press('input[name=confirm]', 'Enter')
  await page.waitForURL(PAGE)
  check((await page.textContent('#user')) === 'li.na', 'the application sees li.na')
  const firstCookie = (await context.cookies(APP)).find((c) => c.name === 'rampart_id')
  check(firstCookie && firstCookie.httpOnly, 'the gateway set its HttpOnly session cookie')
  check(gatewayStatus(firstCookie.value) === '200', 'the cookie is good at the gateway')
  await shot(page, '03-app-page')

  // --- the account page: TOTP enrolment with the QR code and the key ---
  await page.goto(RD + '/id/account')
  await page.waitForSelector('[data-test=portal-account]')
  await page.click('[data-test=portal-enrol-start]')
  await page.waitForSelector('[data-test=portal-enrol] .portal-qr svg')
  const secret = (await page.textContent('[data-test=portal-totp-secret]')).trim()
  check(/^[A-Z2-7]{32}$/.test(secret), 'a 160-bit base32 key to type: ' + secret)
  check(await page.evaluate(() => document.activeElement && document.activeElement.id === 'portal-totp-code'), 'focus on the code field')
  await shot(page, '04-portal-totp-enrol-zh')
  const enrolStep = Math.floor(Date.now() / 30000)
  await page.fill('#portal-totp-code', totp(secret, enrolStep))
  await page.press('#portal-totp-code', 'Enter')
  await page.waitForSelector('[data-test=portal-recovery-codes] li')
  check((await page.$$('[data-test=portal-recovery-codes] li')).length === 10, 'ten recovery codes')
  await shot(page, '05-portal-recovery-codes-zh')

  // --- a security key: Chromium's virtual authenticator (resident keys, user verification) ---
  const cdp = await context.newCDPSession(page)
  await cdp.send('WebAuthn.enable')
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  })
  await page.fill('#portal-key-name', '笔记本电脑')
  await page.press('#portal-key-name', 'Enter')
  await page.waitForSelector('[data-test=portal-keys] li strong')
  check((await page.textContent('[data-test=portal-keys] li strong')) === '笔记本电脑', 'the key is listed by its name')
  await shot(page, '05b-portal-security-key-zh')

  // --- sign-out through the gateway: the session is revoked at the gateway ---
  await page.goto(APP + '/.rampart/logout')
  await page.waitForURL((u) => u.href.startsWith(RD + '/id/login?app=hr'))
  const t0 = Date.now()
  while (gatewayStatus(firstCookie.value) !== '401') {
    check(Date.now() - t0 < 2000, 'the old cookie refused at the gateway within 2 s')
    await page.waitForTimeout(50)
  }
  console.log('measure ' + JSON.stringify({ name: 'revocation at the gateway', ms: Date.now() - t0 }))

  // --- back to the page: the portal again (the logout's rd was the host's /) ---
  await page.goto(PAGE)
  await page.waitForURL((u) => u.href.startsWith(RD + '/id/login?app=hr&rd=http%3A%2F%2F'))
  await page.waitForSelector('[data-test=portal-login]')

  // --- English; the same answer for an unknown user and a wrong password ---
  await page.selectOption('[data-test=lang]', 'en')
  await page.waitForFunction(() => document.querySelector('h1').textContent.includes('Sign in'))
  await signIn(page, 'nobody.here', 'Whatever-Pass-99')
  await page.waitForSelector('[data-test=portal-error]')
  const unknown = await page.textContent('[data-test=portal-error]')
  await signIn(page, 'li.na', 'Wrong-Pass-4-LiNa')
  await page.waitForFunction(() => !document.querySelector('button[type=submit]').disabled)
  const wrong = await page.textContent('[data-test=portal-error]')
  check(unknown === wrong && /Wrong user name or password/.test(wrong), `one message for both: ${unknown} / ${wrong}`)
  await shot(page, '06-portal-login-failed-en')

  // --- password, then the authenticator code (the next step: the enrolment's is spent) ---
  await signIn(page, 'li.na', NEW_PASSWORD)
  await page.waitForSelector('[data-test=portal-mfa]')
  await shot(page, '07-portal-mfa-en')
  await page.fill('#portal-code', totp(secret, enrolStep + 1))
  await page.press('#portal-code', 'Enter')
  await page.waitForURL(PAGE)
  check((await page.textContent('#user')) === 'li.na', 'back on the page as li.na')
  // header values are the token's claims verbatim, percent-encoded (docs/IDENTITY.md)
  const amr = decodeURIComponent(await page.textContent('#auth'))
  check(amr.split(',').includes('otp') && amr.split(',').includes('mfa'), 'with the second factor: ' + amr)

  // --- the account page in English ---
  await page.goto(RD + '/id/account')
  await page.waitForSelector('[data-test=portal-totp-disable]')
  await shot(page, '08-portal-account-en')

  // --- signed out, a passkey alone: the page again, with the key's factors ---
  await page.click('[data-test=portal-logout-button]')
  await page.waitForSelector('[data-test=portal-logout] a')
  await page.goto(PAGE)
  await page.waitForSelector('[data-test=portal-passkey]')
  await page.click('[data-test=portal-passkey]')
  await page.waitForURL(PAGE)
  const keyAmr = decodeURIComponent(await page.textContent('#auth'))
  check(keyAmr === 'hwk,mfa', 'a passkey login: ' + keyAmr)

  check(problems.length === 0, 'no CSP violation, page error or third-party request:\n' + problems.join('\n'))
  console.log('portal e2e ok')
} catch (e) {
  failed = true
  console.error(e.stack || String(e))
  if (problems.length) console.error(problems.join('\n'))
  try {
    const page = context.pages()[0]
    await page.screenshot({ path: path.join(SHOTS, 'failure.png'), fullPage: true })
    console.error('screenshot failure.png at ' + page.url())
  } catch {
    /* the browser is gone */
  }
} finally {
  await context.close()
  rmSync(profile, { recursive: true, force: true })
}
process.exit(failed ? 1 : 0)

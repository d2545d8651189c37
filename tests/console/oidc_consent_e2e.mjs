// oidc_consent_e2e.mjs — the OpenID Connect authorization through the login
// portal in headless Chromium (Debian's chromium, playwright-core), as a user
// of a relying party. Run by tests/integration/test_oidc_portal_e2e.py, which
// starts rampartd (serving the portal) and the relying party:
//
//   RD_URL                 rampartd, the issuer (the portal is RD_URL/id/...)
//   RP_URL                 the relying party: /start?scope=&prompt= begins an
//                          authorization, /cb shows the outcome in #result
//   USER_NAME, PASSWORD    the user; TOTP_SECRET, TOTP_STEP its authenticator
//                          key and the time step its enrolment used
//   SHOT_DIR, CHROMIUM, CONSOLE_SRC   as for portal_e2e.mjs
//
// Exits non-zero on the first failed check; prints "oidc consent e2e ok" at the end.
import { rmSync } from 'node:fs'
import path from 'node:path'
import { launch, watch } from './chromium.mjs'
import { totp } from './totp.mjs'

const RD = process.env.RD_URL
const RP = process.env.RP_URL
const problems = []
function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what)
}

async function shot(page, name) {
  await page.waitForTimeout(150)
  await page.screenshot({ path: path.join(process.env.SHOT_DIR, name + '.png'), fullPage: true })
  console.log('screenshot ' + name + '.png')
}

const start = (page, scope) => page.goto(RP + '/start?scope=' + encodeURIComponent(scope))
const result = (page) => page.textContent('#result')
const focusedTest = (page) => page.evaluate(() => document.activeElement && document.activeElement.getAttribute('data-test'))

async function consentShown(page) {
  await page.waitForSelector('[data-test=portal-consent]')
  check(await page.evaluate(() => document.activeElement && document.activeElement.tagName === 'H1'), 'focus on the consent heading')
  return page.$$eval('[data-test=consent-scopes] li', (items) => items.map((li) => li.dataset.scope))
}

const { context, profile } = await launch('rp-oidc-portal-')
let failed = false
try {
  const page = context.pages()[0] || (await context.newPage())
  watch(page, [RD, RP], problems)

  // --- 1: the RP sends the browser to the portal; password, then TOTP ---
  await start(page, 'openid profile')
  await page.waitForURL((u) => u.href.startsWith(RD + '/id/login?oidc='))
  await page.waitForSelector('[data-test=portal-login]')
  await page.fill('input[name=username]', process.env.USER_NAME)
  await page.fill('input[name=password]', process.env.PASSWORD)
  await page.press('input[name=password]', 'Enter')
  await page.waitForSelector('[data-test=portal-mfa]')
  await page.fill('#portal-code', totp(process.env.TOTP_SECRET, Number(process.env.TOTP_STEP) + 1))
  await page.press('#portal-code', 'Enter')

  // --- the consent screen (zh-CN): the client's name, what it gets, Allow / Deny ---
  let scopes = await consentShown(page)
  check(JSON.stringify(scopes) === '["openid","profile"]', 'the scopes asked for: ' + scopes)
  check((await page.textContent('[data-test=consent-client]')) === '公文系统 Notes', 'the client display name')
  check((await page.textContent('h1')).includes('允许'), 'the consent screen speaks Chinese')
  check((await page.getAttribute('[data-test=consent-scopes]', 'aria-labelledby')) === 'consent-asks', 'the list is labelled')
  await shot(page, '01-consent-zh')
  await page.click('[data-test=consent-allow]')
  await page.waitForURL((u) => u.href.startsWith(RP + '/cb?'))
  check((await result(page)).startsWith('ok zhang.min'), 'the RP signed the user in: ' + (await result(page)))

  // --- 2: the same scopes again: remembered, no question ---
  await start(page, 'openid profile')
  await page.waitForURL((u) => u.href.startsWith(RP + '/cb?'))
  check((await result(page)).startsWith('ok zhang.min'), 'straight through: ' + (await result(page)))

  // --- 3: a new scope asks again (English); Deny with the keyboard ---
  await start(page, 'openid profile email')
  await page.waitForSelector('[data-test=portal-consent]')
  await page.selectOption('[data-test=lang]', 'en')
  scopes = await consentShown(page)
  check(JSON.stringify(scopes) === '["openid","profile","email"]', 'the new scope is asked for: ' + scopes)
  check((await page.textContent('h1')) === 'Allow access?', 'the English heading')
  await shot(page, '02-consent-en')
  await page.focus('h1')
  for (let i = 0; i < 5 && (await focusedTest(page)) !== 'consent-deny'; i++) await page.keyboard.press('Tab')
  check((await focusedTest(page)) === 'consent-deny', 'Deny is reached with Tab')
  await page.keyboard.press('Enter')
  await page.waitForURL((u) => u.href.startsWith(RP + '/cb?'))
  check((await result(page)) === 'error access_denied', 'the RP heard access_denied: ' + (await result(page)))
  const denied = new URL(page.url())
  check(denied.searchParams.get('error') === 'access_denied' && denied.searchParams.get('state'), 'error and state in the redirect')

  // --- 4: the consent revoked on the account page: asked again ---
  await page.goto(RD + '/id/account')
  await page.waitForSelector('[data-test=portal-consent-notes]')
  check((await page.textContent('[data-test=portal-consent-notes]')).includes('openid profile'), 'the remembered scopes are listed')
  await shot(page, '03-account-consents-en')
  await page.click('[data-test=portal-consent-notes] button')
  await page.waitForSelector('[data-test=portal-consent-notes]', { state: 'detached' })
  check((await page.textContent('[data-test=portal-notice]')).includes('公文系统 Notes'), 'the revocation is announced')
  await start(page, 'openid profile')
  await consentShown(page)
  await page.click('[data-test=consent-allow]')
  await page.waitForURL((u) => u.href.startsWith(RP + '/cb?'))
  check((await result(page)).startsWith('ok zhang.min'), 'allowed again: ' + (await result(page)))

  check(problems.length === 0, problems.join('; '))
  console.log('oidc consent e2e ok')
} catch (e) {
  failed = true
  console.error(e.stack || String(e))
  for (const p of problems) console.error(p)
  const page = context.pages()[0]
  if (page) {
    console.error('at ' + page.url())
    await page.screenshot({ path: path.join(process.env.SHOT_DIR, 'failure.png'), fullPage: true }).catch(() => {})
  }
} finally {
  await context.close()
  rmSync(profile, { recursive: true, force: true })
}
process.exit(failed ? 1 : 0)

// apisec.mjs — the API security page in headless Chromium (Debian's
// chromium, driven by playwright-core). Run by
// tests/integration/test_console_apisec.py, which starts a gateway whose
// application APP has an OpenAPI spec and `baseline detect`, sends a
// request breaking the spec and a fitting one, and passes:
//
//   RD_URL                rampartd (console + API)
//   USER_NAME, PASSWORD   a security operator's account
//   APP                   the application
//   SHOT_DIR, CHROMIUM, CONSOLE_SRC   as for e2e.mjs
//
// Steps: log in; the navigation's API security page for APP shows the
// baseline scorecard (score, findings hsts-missing and nosniff-missing with
// remediation), the violation with what failed (path:id) and why, the
// policy's openapi and baseline directives with a link to the policy
// editor; the OpenAPI switch is set to off with the radio group and the
// status line names the bundle version; the page in English. No
// Content-Security-Policy violation and no page error may happen.
import { rmSync } from 'node:fs'
import path from 'node:path'
import { launch, watch } from './chromium.mjs'

const RD = process.env.RD_URL
const SHOTS = process.env.SHOT_DIR
const problems = []
function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what)
}
async function shot(page, name) {
  await page.waitForTimeout(200)
  await page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: true })
  console.log('screenshot ' + name + '.png')
}

const { context, profile } = await launch('rp-chromium-', { viewport: { width: 1440, height: 900 } })
let failed = false
try {
  const page = context.pages()[0] || (await context.newPage())
  watch(page, [RD], problems)

  await page.goto(RD + '/')
  await page.waitForURL(/\/login/)
  await page.fill('input[name=username]', process.env.USER_NAME)
  await page.fill('input[name=password]', process.env.PASSWORD)
  await page.press('input[name=password]', 'Enter')
  await page.waitForURL(/\/overview/)

  await page.click('[data-test=nav-api-security]')
  await page.waitForURL(/\/api-security/)
  await page.selectOption('[data-test=apisec-app]', process.env.APP)

  // the baseline scorecard: findings with remediation, the score
  await page.waitForSelector('[data-test=finding-hsts-missing]')
  await page.waitForSelector('[data-test=finding-nosniff-missing]')
  const hsts = await page.textContent('[data-test=finding-hsts-missing]')
  check(hsts.includes('max-age=31536000'), 'the HSTS remediation: ' + hsts)
  const score = await page.textContent('[data-test=apisec-score]')
  check(/\d+\/100/.test(score) && !score.includes('100/100'), 'a score below 100: ' + score)

  // the violation: the parameter that failed and why
  const violation = await page.textContent('[data-test=apisec-violations] tr[data-test=violation]')
  check(violation.includes('/citizens/abc') && violation.includes('path:id'), 'the violation row: ' + violation)

  // the policy's directives, read-only, with the editor's link
  await page.waitForSelector('[data-test=directive-openapi]')
  await page.waitForSelector('[data-test=directive-baseline]')
  const limit = await page.textContent('[data-test=directive-ratelimit]')
  check(limit.includes('per_addr 1000/s') && limit.includes('key = addr'), 'the rate limit rule: ' + limit)
  const bot = await page.textContent('[data-test=directive-bot]')
  check(bot.includes('/portal/ challenge') && bot.includes('difficulty = 12'), 'the bot rule: ' + bot)
  check((await page.getAttribute('[data-test=apisec-edit-policy]', 'href')).includes('/policies?name=citizens'), 'the policy editor link')
  await shot(page, 'apisec-01-scorecard-violations')

  // OpenAPI validation switched off
  await page.click('[data-test=apisw-openapi] .seg-off')
  await page.waitForSelector('[data-test=apisec-notice]')
  const notice = await page.textContent('[data-test=apisec-notice]')
  check(notice.includes('OpenAPI') && notice.includes('关闭') && /\d/.test(notice), 'the switch notice: ' + notice)
  await page.waitForSelector('[data-test=apisw-openapi] .seg-off.on')
  await shot(page, 'apisec-02-openapi-off')

  // English
  await page.selectOption('header [data-test=lang]', 'en')
  await page.waitForSelector('[data-test=apisec-scorecard] h2:has-text("Configuration baseline scorecard")')
  await shot(page, 'apisec-03-english')
  await page.selectOption('header [data-test=lang]', 'zh-CN')

  check(problems.length === 0, 'no CSP violation, page error or third-party request:\n' + problems.join('\n'))
  console.log('apisec ok')
} catch (e) {
  failed = true
  console.error(e.stack || String(e))
  if (problems.length) console.error(problems.join('\n'))
  try {
    await context.pages()[0].screenshot({ path: path.join(SHOTS, 'apisec-failure.png') })
  } catch {
    /* the browser is gone */
  }
} finally {
  await context.close()
  rmSync(profile, { recursive: true, force: true })
}
process.exit(failed ? 1 : 0)

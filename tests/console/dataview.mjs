// dataview.mjs — the data exposure and alerts pages in headless Chromium
// (Debian's chromium, driven by playwright-core). Run by
// tests/integration/test_console_dataview.py, which starts the masking
// gateway, rampartd serving the built console, sends clear and masked
// views of /api/citizens through the gateway (one user over the shipped
// alert rule's threshold) and passes:
//
//   RD_URL                rampartd (console + API)
//   USER_NAME, PASSWORD   a security operator's account
//   ALERT_SUBJECT         the user the alert is about
//   SHOT_DIR, CHROMIUM, CONSOLE_SRC   as for e2e.mjs
//
// Steps: log in; the overview shows one open alert and links to the alerts
// page; the exposure page lists /api/citizens exposing resident IDs in
// clear to the auditor role and masked to anonymous callers, with its
// chart; the alerts page shows the alert, which the operator acknowledges
// (the open count drops to 0 and the acknowledged list has it); the pages
// in English. No Content-Security-Policy violation and no page error may
// happen.
import { createRequire } from 'node:module'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

const { chromium } = createRequire(path.join(process.env.CONSOLE_SRC, 'package.json'))('playwright-core')

const RD = process.env.RD_URL
const SHOTS = process.env.SHOT_DIR
const problems = []
function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what)
}
async function shot(page, name) {
  await page.waitForTimeout(350) // charts animate in 300 ms
  await page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: true })
  console.log('screenshot ' + name + '.png')
}

const profile = mkdtempSync(path.join(tmpdir(), 'rp-chromium-'))
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  chromiumSandbox: false,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
  viewport: { width: 1440, height: 900 },
  timezoneId: 'UTC',
  locale: 'zh-CN',
})
let failed = false
try {
  const page = context.pages()[0] || (await context.newPage())
  page.setDefaultTimeout(10000)
  page.on('console', (m) => {
    if (/Content.Security.Policy|Refused to/i.test(m.text())) problems.push('CSP: ' + m.text())
  })
  page.on('pageerror', (e) => problems.push('page error: ' + e.message))
  page.on('request', (r) => {
    if (!r.url().startsWith(RD + '/') && !r.url().startsWith('data:')) problems.push('third-party request: ' + r.url())
  })

  await page.goto(RD + '/')
  await page.waitForURL(/\/login/)
  await page.fill('input[name=username]', process.env.USER_NAME)
  await page.fill('input[name=password]', process.env.PASSWORD)
  await page.press('input[name=password]', 'Enter')
  await page.waitForURL(/\/overview/)

  // the overview: one open alert, a link to the alerts page
  await page.waitForSelector('[data-test=kpi-alerts] .kpi-value:text-is("1")')

  // exposure: clear to the auditor role, masked to anonymous callers, the chart
  await page.click('[data-test=nav-exposure]')
  await page.waitForSelector('[data-test=exposure-table] tr[data-test=exposure-clear] >> text=resident_id')
  await page.waitForSelector('[data-test=exposure-table] tr[data-test=exposure-masked]')
  await page.waitForSelector('[data-test=chart-exposure] canvas')
  const clearRow = await page.textContent('[data-test=exposure-table] tr[data-test=exposure-clear]:has-text("resident_id")')
  check(clearRow.includes('/api/citizens') && clearRow.includes('auditor') && clearRow.includes('明文'), 'the clear row: ' + clearRow)
  check((await page.textContent('[data-test=kpi-clear]')).trim() === '1', 'one endpoint shows clear values')
  await page.selectOption('[data-test=exposure-app]', 'citizens')
  await page.waitForSelector('[data-test=exposure-table] tr[data-test=exposure-clear]')
  await shot(page, 'dataview-01-exposure')

  // alerts: the open one, acknowledged by the operator
  await page.click('[data-test=nav-alerts]')
  const row = `[data-test=alerts-table] tr:has-text("${process.env.ALERT_SUBJECT}")`
  await page.waitForSelector(row)
  const text = await page.textContent(row)
  check(text.includes('unmasked-id-numbers') && text.includes('未处理'), 'the alert row: ' + text)
  await shot(page, 'dataview-02-alerts')
  await page.click(row + ' button')
  await page.waitForSelector('[data-test=alerts-notice]')
  await page.waitForSelector('[data-test=kpi-open-alerts]:text-is("0")')
  await page.selectOption('[data-test=alerts-state]', 'acked')
  await page.waitForSelector(row + ' >> text=已确认')

  // English
  await page.selectOption('header [data-test=lang]', 'en')
  await page.waitForSelector('[data-test=nav-alerts]:has-text("Alerts")')
  await page.click('[data-test=nav-exposure]')
  await page.waitForSelector('[data-test=exposure-table] th:has-text("Viewer roles")')
  await shot(page, 'dataview-03-exposure-english')
  await page.selectOption('header [data-test=lang]', 'zh-CN')

  check(problems.length === 0, 'no CSP violation, page error or third-party request:\n' + problems.join('\n'))
  console.log('dataview ok')
} catch (e) {
  failed = true
  console.error(e.stack || String(e))
  if (problems.length) console.error(problems.join('\n'))
  try {
    await context.pages()[0].screenshot({ path: path.join(SHOTS, 'dataview-failure.png') })
  } catch {
    /* the browser is gone */
  }
} finally {
  await context.close()
  rmSync(profile, { recursive: true, force: true })
}
process.exit(failed ? 1 : 0)

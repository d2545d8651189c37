// e2e.mjs — the web console end to end in headless Chromium (Debian's
// chromium, driven by playwright-core). Run by
// tests/integration/test_console_e2e.py, which starts rampartd, nginx with
// the Rampart module and an upstream, and passes their addresses:
//
//   RD_URL, GW_URL        rampartd (console + API), the gateway
//   ADMIN_PASSWORD        the first-run one-time password of admin
//   SHOT_DIR              where the PNG screenshots go
//   CHROMIUM              the browser (default /usr/bin/chromium)
//   CONSOLE_SRC           console/, whose node_modules has playwright-core
//
// Steps: log in as admin (with the forced password change), send an attack
// to the gateway with curl and see it on the overview and in the events
// explorer within 2 s each, open the detail drawer (keyboard), check the
// export, switch to English and back, create a gateway token and a security
// operator on their pages, log in as that operator and find the admin pages
// refused, then fill the store (store_max_size) with the token and see the
// "ingestion stopped" banner.
// No Content-Security-Policy violation and no page error may happen.
// Prints one JSON line per measurement ("measure ...") and exits non-zero
// on the first failed check.
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

// playwright-core is a devDependency of the console (console/package.json).
const { chromium } = createRequire(path.join(process.env.CONSOLE_SRC, 'package.json'))('playwright-core')

const RD = process.env.RD_URL
const GW = process.env.GW_URL
const SHOTS = process.env.SHOT_DIR
const ADMIN_NEW = 'correct horse battery staple'
const SECOPS_NEW = 'a long enough passphrase'
const LIMIT_MS = 2000

const problems = []
function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what)
}
function measure(name, ms) {
  console.log('measure ' + JSON.stringify({ name, ms }))
  check(ms <= LIMIT_MS, `${name} took ${ms} ms (limit ${LIMIT_MS})`)
}

// A marker to find an attack by. Letters only: the gateway masks digit runs
// that look like card numbers (a Date.now() passes the Luhn check one time
// in ten), and a masked marker is not findable.
function marker(prefix) {
  const letters = 'abcdefghijklmnopqrstuvwxyz'
  return prefix + '-' + Array.from({ length: 12 }, () => letters[Math.floor(Math.random() * 26)]).join('')
}

// A real client through the gateway: curl, as a user would.
function attack(marker, kind = 'sqli') {
  const payload = kind === 'xss' ? `<script>alert('${marker}')</script>` : `1' OR '1'='1 -- ${marker}`
  const where = kind === 'xss' ? '/comment' : '/search'
  const q = encodeURIComponent(payload)
  const code = execFileSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', `${GW}${where}?q=${q}`])
    .toString()
    .trim()
  check(code === '403', `the gateway blocked the attack (got ${code})`)
}

async function shot(page, name, fullPage = false) {
  await page.waitForTimeout(350) // charts animate in 300 ms
  await page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage })
  console.log('screenshot ' + name + '.png')
}

async function login(page, user, password, fresh) {
  await page.goto(RD + '/')
  await page.waitForURL(/\/login/)
  await page.fill('input[name=username]', user)
  await page.fill('input[name=password]', password)
  await page.press('input[name=password]', 'Enter')
  await page.waitForSelector('[data-test=password-form]')
  return async (shotName) => {
    await page.fill('input[name=new]', fresh)
    await page.fill('input[name=confirm]', fresh)
    if (shotName) await shot(page, shotName)
    await page.press('input[name=confirm]', 'Enter')
    await page.waitForURL(/\/overview/)
  }
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
    const text = m.text()
    if (/Content.Security.Policy|Refused to/i.test(text)) problems.push('CSP: ' + text)
  })
  page.on('pageerror', (e) => problems.push('page error: ' + e.message))
  // Anything the page loads must come from rampartd itself.
  page.on('request', (r) => {
    if (!r.url().startsWith(RD + '/') && !r.url().startsWith('data:')) problems.push('third-party request: ' + r.url())
  })

  // --- login, the forced password change, in Chinese (the default) ---
  await page.goto(RD + '/')
  await page.waitForURL(/\/login/)
  check((await page.getAttribute('html', 'lang')) === 'zh-CN', 'zh-CN by default')
  check((await page.textContent('h1')).includes('登录控制台'), 'the login title is in Chinese')
  await page.fill('input[name=username]', 'admin')
  await page.fill('input[name=password]', 'not the password')
  await page.press('input[name=password]', 'Enter')
  await page.waitForSelector('.error-note')
  await shot(page, '01-login-error')
  const finishAdmin = await login(page, 'admin', process.env.ADMIN_PASSWORD, ADMIN_NEW)
  await finishAdmin('02-first-password-change')

  // --- an attack appears on the overview within 2 s ---
  await page.waitForSelector('[data-test=kpi-events]')
  const before = Number((await page.textContent('[data-test=kpi-events]')).replace(/\D/g, ''))
  const marker1 = marker('e2e')
  let t0 = Date.now()
  attack(marker1)
  await page.waitForFunction(
    (n) => Number(document.querySelector('[data-test=kpi-events]').textContent.replace(/\D/g, '')) > n,
    before,
    { timeout: 5000, polling: 50 },
  )
  measure('overview_shows_attack', Date.now() - t0)
  await page.waitForSelector('[data-test=top-clients] a')
  check((await page.textContent('[data-test=top-clients]')).includes('127.0.0.1'), 'top source addresses list the client')
  for (let i = 0; i < 6; i++) attack(`${marker1}-${i}`, i % 3 ? 'sqli' : 'xss') // some history for the charts
  await page.waitForFunction(() => Number(document.querySelector('[data-test=kpi-events]').textContent.replace(/\D/g, '')) >= 7)
  await shot(page, '03-overview', true)

  // --- and in the events explorer within 2 s ---
  await page.click('[data-test=nav-events]')
  await page.waitForURL(/\/events/)
  await page.waitForSelector('[data-test=events-table] tbody tr.clickable')
  const marker2 = marker('e2e-explorer')
  await page.fill('input[name=q]', marker2)
  t0 = Date.now()
  attack(marker2)
  // Apply until the row with this marker is there; each round waits for its
  // own answer, so an older list can never pass for the new one.
  let row = null
  while (!row && Date.now() - t0 < 5000) {
    const answered = page.waitForResponse((r) => r.url().includes('/api/v1/events?') && r.url().includes(marker2))
    await page.click('[data-test=apply]')
    await answered
    row = await page
      .waitForSelector(`[data-test=events-table] tbody tr.clickable:has-text("${marker2}")`, { timeout: 100 })
      .catch(() => null)
  }
  if (!row) {
    const api = await page.evaluate(async (m) => (await fetch('/api/v1/events?q=' + m)).text(), marker2)
    console.error('the API for q=' + marker2 + ': ' + api.slice(0, 400) + '\nURL ' + page.url())
    const latest = await page.evaluate(async () => (await fetch('/api/v1/events?limit=3')).json())
    console.error('latest: ' + JSON.stringify(latest.events.map((e) => [e.time, e.uri])))
  }
  check(row, 'the attack is in the events explorer')
  measure('explorer_shows_attack', Date.now() - t0)
  check(page.url().includes('q=' + marker2), 'the filter is in the URL')

  // --- the detail drawer, opened and closed with the keyboard ---
  await row.focus()
  await page.keyboard.press('Enter')
  await page.waitForSelector('[data-test=event-detail] [data-test=raw-event]:not(:empty)')
  const line = await page.textContent('[data-test=request-line]')
  check(line.startsWith('GET /search?q=') && line.includes(marker2), 'the raw request line: ' + line)
  const matches = await page.textContent('[data-test=matches]')
  check(/sqli/.test(matches), 'the matched rule is listed: ' + matches)
  check((await page.textContent('[data-test=raw-event]')).includes('"request_id"'), 'the original event is shown')
  await shot(page, '05-event-drawer')
  await page.keyboard.press('Escape')
  await page.waitForSelector('[data-test=event-detail]', { state: 'detached' })

  // --- the export links carry the filter and download the event ---
  const csvHref = await page.getAttribute('[data-test=export-csv]', 'href')
  check(csvHref.includes('format=csv') && csvHref.includes(marker2), 'CSV export link: ' + csvHref)
  const csv = await page.evaluate(async (u) => (await fetch(u)).text(), csvHref)
  check(csv.split('\r\n')[0].startsWith('id,time,app') && csv.includes(marker2), 'the CSV export has the event')
  const jsonHref = await page.getAttribute('[data-test=export-json]', 'href')
  const exported = await page.evaluate(async (u) => (await fetch(u)).json(), jsonHref)
  check(exported.events.length === 1, 'the JSON export has the event')
  await page.click('button:has-text("重置")')
  await page.waitForSelector('[data-test=events-table] tbody tr.clickable')
  await shot(page, '04-events')

  // --- English and back; the choice is remembered ---
  await page.selectOption('header [data-test=lang]', 'en')
  await page.waitForSelector('[data-test=nav-events]:has-text("Events")')
  check((await page.getAttribute('html', 'lang')) === 'en', 'html lang follows the language')
  await page.reload()
  await page.waitForSelector('[data-test=nav-events]:has-text("Events")')
  check((await page.textContent('.page-title')) === 'Events', 'English survives a reload')
  await shot(page, '06-events-english')
  await page.selectOption('header [data-test=lang]', 'zh-CN')
  await page.waitForSelector('[data-test=nav-events]:has-text("事件")')

  // --- settings: the ingestion counters ---
  await page.click('[data-test=nav-settings]')
  await page.waitForSelector('[data-test=ingest-stored] .kpi-value')
  const stored = Number((await page.textContent('[data-test=ingest-stored] .kpi-value')).replace(/\D/g, ''))
  check(stored >= 8, 'settings count the stored events: ' + stored)
  check((await page.textContent('[data-test=version]')).match(/^\d+\.\d+\.\d+/), 'the version is shown')
  await shot(page, '07-settings')

  // --- tokens, users: create a security operator ---
  await page.click('[data-test=nav-tokens]')
  await page.fill('[data-test=token-form] input[name=name]', 'ci-gateway')
  await page.press('[data-test=token-form] input[name=name]', 'Enter')
  await page.waitForSelector('[data-test=secret]')
  const gatewayToken = (await page.textContent('[data-test=secret]')).trim()
  check(gatewayToken.startsWith('rpt_'), 'the token secret is shown once')
  await shot(page, '08-tokens')
  await page.click('[data-test=nav-users]')
  await page.fill('[data-test=user-form] input[name=name]', 'sam')
  await page.selectOption('[data-test=user-form] select[name=role]', 'secops')
  await page.press('[data-test=user-form] input[name=name]', 'Enter')
  await page.waitForSelector('[data-test=secret]')
  const otp = (await page.textContent('[data-test=secret]')).trim()
  await page.waitForSelector('[data-test=users-table] td:has-text("sam")')
  await shot(page, '09-users')
  await page.click('[data-test=logout]')
  await page.waitForURL(/\/login/)

  // --- the security operator: no admin pages ---
  const finishSam = await login(page, 'sam', otp, SECOPS_NEW)
  await finishSam()
  check((await page.textContent('[data-test=whoami]')) === 'sam', 'logged in as sam')
  check(!(await page.$('[data-test=nav-users]')) && !(await page.$('[data-test=nav-tokens]')), 'no admin pages in the navigation')
  check(await page.$('[data-test=nav-events]'), 'the events page is in the navigation')
  for (const p of ['/tokens', '/users']) {
    await page.goto(RD + p)
    await page.waitForSelector('[data-test=forbidden]')
    check(!(await page.$('[data-test=tokens-table], [data-test=users-table]')), p + ' shows nothing')
  }
  await shot(page, '10-forbidden-secops')
  const status = await page.evaluate(async () => (await fetch('/api/v1/tokens')).status)
  check(status === 403, 'the API refuses the operator too: ' + status)

  // --- a full store stops ingestion: the banner says so, on every page ---
  // (rampartd runs with store_max_size 2m: fill it through the HTTP
  // ingestion with the gateway token made above, until it refuses)
  check(!(await page.$('[data-test=ingest-banner]')), 'no banner while the store is healthy')
  let refused = null
  for (let n = 0; n < 200 && !refused; n++) {
    const batch = Array.from({ length: 200 }, (_, i) => ({
      time: new Date().toISOString(), request_id: `fill-${n}-${i}`, client: '203.0.113.' + (i % 200), app: 'filler',
      method: 'GET', uri: '/' + 'x'.repeat(400), action: 'block', status: 403, category: 'sqli', score: 5,
    }))
    const res = await fetch(RD + '/api/v1/events', {
      method: 'POST', headers: { Authorization: 'Bearer ' + gatewayToken, 'Content-Type': 'application/json' },
      body: JSON.stringify(batch),
    })
    if (res.status !== 200) refused = res.status
  }
  check(refused === 503, 'the full store refused a batch: ' + refused)
  await page.goto(RD + '/overview')
  await page.waitForSelector('[data-test=ingest-banner]', { timeout: 8000 })
  check((await page.textContent('[data-test=ingest-banner]')).includes('事件接入已停止'), 'the banner says ingestion stopped')
  await page.click('[data-test=nav-settings]')
  await page.waitForSelector('[data-test=store-health].badge-block')
  await shot(page, '11-store-full-banner')

  check(problems.length === 0, 'no CSP violation, page error or third-party request:\n' + problems.join('\n'))
  console.log('e2e ok')
} catch (e) {
  failed = true
  console.error(e.stack || String(e))
  if (problems.length) console.error(problems.join('\n'))
  try {
    const page = context.pages()[0]
    await page.screenshot({ path: path.join(SHOTS, 'failure.png') })
    console.error('screenshot failure.png at ' + page.url())
  } catch {
    /* the browser is gone */
  }
} finally {
  await context.close()
  rmSync(profile, { recursive: true, force: true })
}
process.exit(failed ? 1 : 0)

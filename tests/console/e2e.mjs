// e2e.mjs — the web console end to end in headless Chromium (Debian's
// chromium, driven by playwright-core). Run by
// tests/integration/test_console_e2e.py, which starts rampartd, nginx with
// the Rampart module and an upstream, and passes their addresses:
//
//   RD_URL, GW_URL        rampartd (console + API), the gateway
//   ADMIN_PASSWORD        the first-run one-time password of admin
//   RD_DB                 rampartd's SQLite store (the tampering step)
//   SHOT_DIR              where the PNG screenshots go
//   CHROMIUM              the browser (default /usr/bin/chromium)
//   CONSOLE_SRC           console/, whose node_modules has playwright-core
//
// Steps: log in as admin (with the forced password change), send an attack
// to the gateway with curl and see it on the overview and in the events
// explorer within 2 s each, open the detail drawer (keyboard), check the
// export, switch to English and back, create a gateway token; create a
// policy, see an invalid version refused at FILE:LINE (line marked and
// selected), fix it, diff the versions, roll back after the confirmation;
// register applications (a bad upstream refused), edit one, flip its WAF
// switch with the keyboard and see the API and the bundle change and the
// gateway (fed by rampart sync) let the next attack through, delete one;
// see the gateway healthy on the latest bundle on its page;
// create a security operator and an auditor; as the operator find the
// admin pages and the audit log refused (page and API) and switch WAF back
// (the gateway blocks again); as the auditor verify the audit chain, filter the log, open a record's
// hash chain and seal, export it, and see the pages read-only in English;
// edit a record in the store behind rampartd's back and see the page name
// it as the first bad one; then fill the store (store_max_size) with the
// token and see the "ingestion stopped" banner.
// No Content-Security-Policy violation and no page error may happen.
// Prints one JSON line per measurement ("measure ...") and exits non-zero
// on the first failed check.
import { execFileSync } from 'node:child_process'
import { createHash, createHmac } from 'node:crypto'
import { createRequire } from 'node:module'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

// playwright-core is a devDependency of the console (console/package.json).
const { chromium } = createRequire(path.join(process.env.CONSOLE_SRC, 'package.json'))('playwright-core')

const RD = process.env.RD_URL
const GW = process.env.GW_URL
const SHOTS = process.env.SHOT_DIR
const ADMIN_NEW = 'correct horse battery staple'
const SECOPS_NEW = 'a long enough passphrase'
const AUDITOR_NEW = 'the auditor reads everything'
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

// A real client through the gateway: curl, as a user would; the HTTP status.
function send(marker, kind = 'sqli') {
  const payload = kind === 'xss' ? `<script>alert('${marker}')</script>` : `1' OR '1'='1 -- ${marker}`
  const where = kind === 'xss' ? '/comment' : '/search'
  const q = encodeURIComponent(payload)
  return execFileSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', `${GW}${where}?q=${q}`])
    .toString()
    .trim()
}
function attack(marker, kind = 'sqli') {
  const code = send(marker, kind)
  check(code === '403', `the gateway blocked the attack (got ${code})`)
}
// Sends the attack until the gateway answers `want` (the switch reached it
// through rampart sync), at most LIMIT_MS; records how long that took.
async function attackUntil(name, want, t0) {
  let code = ''
  while (Date.now() - t0 <= LIMIT_MS + 500) {
    code = send(marker('switch'))
    if (code === want) break
    await new Promise((r) => setTimeout(r, 50))
  }
  check(code === want, `${name}: the gateway answered ${code}, want ${want}`)
  measure(name, Date.now() - t0)
}

async function shot(page, name, fullPage = false) {
  await page.waitForTimeout(350) // charts animate in 300 ms
  await page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage })
  console.log('screenshot ' + name + '.png')
}

// The API's answer for the page's own session (cookie), as JSON.
async function apiGet(page, p) {
  return page.evaluate(async (u) => {
    const r = await fetch(u)
    return { status: r.status, body: r.status === 200 ? await r.json() : null }
  }, p)
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

// A state-changing API call with the page's own session (cookie + CSRF).
async function apiSend(page, method, p, body) {
  return page.evaluate(async ([m, u, b]) => {
    const csrf = (await (await fetch('/api/v1/auth/session')).json()).csrf_token
    const r = await fetch(u, { method: m, headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: b === undefined ? undefined : JSON.stringify(b) })
    return { status: r.status, body: r.status === 204 ? null : await r.json() }
  }, [method, p, body])
}

// A request signed as an enrolled agent (docs/AGENT.md, agent_harness.py's sign()).
async function agentPost(agent, p, body) {
  const text = JSON.stringify(body)
  const ts = Date.now()
  const digest = createHash('sha256').update(text).digest('hex')
  const sig = createHmac('sha256', Buffer.from(agent.secret, 'hex'))
    .update(`RAMPART-AGENT-HMAC-SHA256\nPOST\n${p}\n${agent.id}\n${ts}\n${digest}`).digest('hex')
  const res = await fetch(RD + p, { method: 'POST', body: text, headers: { 'Content-Type': 'application/json',
    'X-Rampart-Agent': String(agent.id), 'X-Rampart-Timestamp': String(ts), 'X-Rampart-Signature': sig } })
  check(res.status === 200, `${p} as the agent: ${res.status}`)
  return res.json().catch(() => null)
}

// Identity directory, key management and hosts, as the admin: a directory
// user created and put in a group in the UI, their portal session ended,
// the login activity; a key created and rotated; an enrolled host with a
// baseline report and a FIM event, a capability switched off.
async function identityKeysHosts(page) {
  // directory: a group, a user created in the form and found in the list, put in the group
  await page.click('[data-test=nav-identity]')
  await page.waitForSelector('[data-test=dir-user-form]')
  await page.click('[data-test=tab-users]')
  await page.keyboard.press('ArrowRight') // the tab list moves with the arrow keys
  await page.waitForSelector('[data-test=group-form]')
  check(await page.evaluate(() => document.activeElement.id === 'tab-groups'), 'the arrow key focuses the next tab')
  for (const g of ['/gov', '/gov/tax']) {
    await page.fill('[data-test=group-form] input[name=group-path]', g)
    await page.press('[data-test=group-form] input[name=group-path]', 'Enter')
    await page.waitForSelector(`[data-test=group-tree] li:has-text("${g}")`)
  }
  await page.fill('[data-test=role-form] input[name=role-name]', 'clerk')
  await page.fill('[data-test=role-form] input[name=role-description]', '办税员')
  await page.press('[data-test=role-form] input[name=role-name]', 'Enter')
  await page.waitForSelector('[data-test=role-table] td:has-text("clerk")')
  await shot(page, '24a-identity-groups')
  await page.click('[data-test=tab-users]')
  await page.fill('[data-test=dir-user-form] input[name=dir-name]', 'liwei')
  await page.fill('[data-test=dir-user-form] input[name=dir-display]', '李伟')
  await page.fill('[data-test=dir-user-form] input[name=dir-email]', 'liwei@tax.example')
  await page.click('[data-test=dir-user-form] button[type=submit]')
  await page.waitForSelector('[data-test=dir-user-liwei]')
  check((await page.textContent('[data-test=identity-notice]')).includes('liwei'), 'the creation is confirmed')
  await page.focus('[data-test=dir-user-liwei]')
  await page.keyboard.press('Enter')
  await page.waitForSelector('[data-test=dir-user-detail]')
  await page.check('[data-test=dir-edit-form] input[value="/gov/tax"]')
  await page.click('[data-test=dir-save]')
  await page.waitForSelector('[data-test=identity-notice]')
  await shot(page, '24-identity-user')
  const liwei = (await apiGet(page, '/api/v1/directory/users/liwei')).body.user
  check(JSON.stringify(liwei.groups) === '["/gov/tax"]', 'the user is in /gov/tax: ' + JSON.stringify(liwei.groups))
  await page.keyboard.press('Escape')
  await page.waitForSelector('[data-test=dir-user-detail]', { state: 'detached' })
  // import: a CSV with a bad column is refused line by line, a good one creates the user
  await page.setInputFiles('[data-test=dir-import]', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('name,colour\nzhangsan,red\n') })
  await page.waitForSelector('[data-test=import-errors]')
  await page.setInputFiles('[data-test=dir-import]', { name: 'dir.csv', mimeType: 'text/csv',
    buffer: Buffer.from('name,display_name,groups,roles\nzhangsan,张三,/gov/tax,clerk\n') })
  await page.waitForSelector('[data-test=dir-user-zhangsan]')
  check(!(await page.$('[data-test=import-errors]')) && (await page.textContent('[data-test=identity-notice]')).includes('1'), 'the import is confirmed')
  // a portal login (a password of their own, not temporary) makes a session to end
  const PW = 'Tax office Portal #2026'
  const set = await apiSend(page, 'POST', '/api/v1/directory/users/liwei/password', { password: PW, temporary: false })
  check(set.status === 200 || set.status === 204, 'the password is set: ' + set.status)
  const bad = await fetch(RD + '/api/v1/id/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'liwei', password: 'not the passphrase' }) })
  check(bad.status === 401, 'a failed portal login: ' + bad.status)
  const portal = await fetch(RD + '/api/v1/id/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'liwei', password: PW }) })
  check(portal.status === 200, 'the portal login: ' + portal.status)
  await page.click('[data-test=tab-sessions]')
  await page.waitForSelector('[data-test=session-liwei]')
  await shot(page, '25-identity-sessions')
  await page.click('[data-test=revoke-liwei]')
  await page.waitForSelector('[data-test=session-liwei]', { state: 'detached' })
  check((await apiGet(page, '/api/v1/directory/sessions?user=liwei')).body.sessions.length === 0, 'the session is gone')
  await page.click('[data-test=tab-activity]')
  await page.waitForFunction(() => {
    const ok = document.querySelector('[data-test=kpi-logins]'), bad = document.querySelector('[data-test=kpi-failures]')
    return ok && bad && Number(ok.textContent) >= 1 && Number(bad.textContent) >= 1
  })
  await page.waitForSelector('[data-test=identity-events] td:has-text("login.failure")')
  await shot(page, '26-identity-activity')

  // keys: create, rotate; metadata only
  await page.click('[data-test=nav-keys]')
  await page.fill('[data-test=key-form] input[name=key-name]', 'billing/card')
  await page.press('[data-test=key-form] input[name=key-name]', 'Enter')
  await page.waitForSelector('[data-test="key-billing/card"]')
  await page.click('[data-test="rotate-billing/card"]')
  await page.waitForSelector('[data-test="key-billing/card"] [data-test=key-version]:has-text("v2")')
  check((await page.textContent('[data-test=keys-status]')).includes('2'), 'the rotation is confirmed')
  const key = (await apiGet(page, '/api/v1/crypto/keys')).body.keys.find((k) => k.name === 'billing/card')
  check(key.current_version === 2 && key.versions.length === 2, 'the API has version 2')
  // the master key: rotated, the re-wrap job followed to its end
  await page.click('[data-test=master-form] button[type=submit]')
  await page.waitForSelector('[data-test=master-version]:has-text("2")')
  await page.waitForSelector('[data-test=jobs-table] .badge-allow', { timeout: 15000 })
  const master = (await apiGet(page, '/api/v1/crypto/master')).body
  check(master.version === 2 && master.job.state === 'done' && master.job.done === master.job.total, 'the master rotation ran: ' + JSON.stringify(master.job))
  // a grant: the app token billing-app may encrypt and decrypt billing/card
  await page.fill('[data-test=grant-form] input[name=subject]', 'token:billing-app')
  await page.fill('[data-test=grant-form] input[name=app]', 'billing')
  await page.fill('[data-test=grant-form] input[name=keys]', 'card')
  await page.click('[data-test=grant-form] button[type=submit]')
  await page.waitForSelector('[data-test=grants-table] td:has-text("token:billing-app")')
  const grant = (await apiGet(page, '/api/v1/crypto/grants')).body.grants[0]
  check(grant.app === 'billing' && grant.keys.join() === 'card' && grant.ops.join() === 'encrypt,decrypt', 'the grant: ' + JSON.stringify(grant))
  await shot(page, '27-keys', true)

  // hosts: an agent enrols, reports a heartbeat, a baseline and a FIM change
  await page.click('[data-test=nav-hosts]')
  await page.fill('[data-test=enrol-form] input[name=enrol-minutes]', '5')
  await page.click('[data-test=enrol-form] button[type=submit]')
  await page.waitForSelector('[data-test=secret]')
  const enrolToken = (await page.textContent('[data-test=secret]')).trim()
  check(enrolToken.startsWith('rpe_'), 'the enrolment token is shown once: ' + enrolToken.slice(0, 4))
  await shot(page, '28a-hosts-enrolment')
  const res = await fetch(RD + '/api/v1/agent/enrol', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token: enrolToken, hostname: 'web-1', version: '1.4.0' }) })
  check(res.status === 201, 'the agent enrols: ' + res.status)
  const enrolled = await res.json()
  const agent = { id: enrolled.agent.id, secret: enrolled.secret }
  await agentPost(agent, '/api/v1/agent/heartbeat', { version: '1.4.0', heartbeat_s: 30 })
  const check1 = (id, title, result) => ({ id, title, control: 'GB/T 22239-2019 8.1.4.1 a)', result,
    reason: result === 'pass' ? 'PASS_MAX_DAYS (/etc/login.defs:1) is 90' : 'PermitRootLogin (/etc/ssh/sshd_config:1) is "yes" (wanted == no)',
    rationale: 'Direct root logins leave no personal trace', remediation: 'Set PermitRootLogin no in sshd_config' })
  await agentPost(agent, '/api/v1/agent/baseline', { score: 50, passed: 1, failed: 1, not_applicable: 0, policies: [
    { id: 'ssh', title: 'SSH server', file: 'ssh.policy', score: 50, passed: 1, failed: 1, not_applicable: 0,
      checks: [check1('ssh.root', 'No root login', 'fail'), check1('pw.max', 'Password lifetime', 'pass')] }] })
  await agentPost(agent, '/api/v1/agent/events', [{ time: new Date().toISOString(), request_id: 'fim-e2e-1', app: 'rampart-agent',
    host: 'web-1', uri: '/etc/passwd', action: 'detect', category: 'fim', score: 5,
    matches: [{ detector: 'fim.modified' }] }])
  await page.click('[data-test=hosts-refresh]')
  await page.waitForSelector('[data-test=host-web-1] [data-test=host-score]:has-text("50%")')
  check((await page.textContent('[data-test=host-web-1]')).includes('在线'), 'the host is online')
  await page.focus('[data-test=host-web-1]')
  await page.keyboard.press('Enter')
  await page.waitForSelector('[data-test=host-events] td:has-text("/etc/passwd")')
  await page.waitForSelector('[data-test=host-baseline]')
  await page.click('[data-test=host-baseline] summary:has-text("No root login")')
  await page.waitForSelector('[data-test=host-baseline] dd:has-text("PermitRootLogin no")')
  await page.click('[data-test=cap-fim]')
  await page.waitForSelector('[data-test=hosts-notice]')
  const host = (await apiGet(page, '/api/v1/agents')).body.agents.find((a) => a.name === 'web-1')
  check(host.capabilities.fim === false, 'FIM is switched off for the host: ' + JSON.stringify(host.capabilities))
  await shot(page, '28-host-detail')
  await page.keyboard.press('Escape')
  // host groups: one is created, switches webshell off for its hosts and
  // carries a dry-run response rule; web-1 joins it and shows where each
  // switch comes from (its own FIM override, the group's webshell switch)
  await page.fill('[data-test=group-form] input[name=group-name]', 'web-servers')
  await page.click('[data-test=group-form] button[type=submit]')
  await page.waitForSelector('[data-test=group-web-servers]')
  await page.click('[data-test=group-web-servers] [data-test=gcap-webshell]')
  await page.waitForSelector('[data-test=group-web-servers] [data-test=gcap-webshell]:not(:checked)')
  await page.fill('[data-test=rule-form-web-servers] input[name=detection]', 'webshell.*')
  await page.selectOption('[data-test=rule-form-web-servers] select[name=action]', 'quarantine')
  await page.selectOption('[data-test=rule-form-web-servers] select[name=mode]', 'dry-run')
  await page.click('[data-test=rule-form-web-servers] button[type=submit]')
  await page.waitForSelector('[data-test=rules-web-servers] td:has-text("webshell.*")')
  const group = (await apiGet(page, '/api/v1/agent-groups')).body.groups.find((g) => g.name === 'web-servers')
  check(group && group.capabilities.webshell === false && group.response_rules.length === 1 &&
    group.response_rules[0].mode === 'dry-run' && group.response_rules[0].action === 'quarantine',
    'the group keeps its switch and its dry-run rule: ' + JSON.stringify(group))
  await page.focus('[data-test=host-web-1]')
  await page.keyboard.press('Enter')
  await page.selectOption('[data-test=host-group]', String(group.id))
  await page.waitForSelector('[data-test=host-web-1] [data-test=host-group-name]:has-text("web-servers")')
  await page.waitForSelector('[data-test=cap-source-webshell]:has-text("组")')
  check((await page.textContent('[data-test=cap-source-fim]')).includes('主机'), 'FIM shows the host\'s own override')
  check(!(await page.isChecked('[data-test=cap-webshell]')), 'webshell shows off through the group')
  const joined = (await apiGet(page, '/api/v1/agents')).body.agents.find((a) => a.name === 'web-1')
  check(joined.group && joined.group.name === 'web-servers' && joined.capabilities.webshell === false &&
    joined.capabilities.fim === false && joined.capabilities.process === true,
    'the host runs its group\'s switches under its own: ' + JSON.stringify(joined))
  const answer = await agentPost(agent, '/api/v1/agent/heartbeat', { version: '1.4.0', heartbeat_s: 30 })
  check(answer && answer.capabilities.webshell === false && answer.response_rules.length === 1 &&
    answer.response_rules[0].detection === 'webshell.*', 'the heartbeat carries the group: ' + JSON.stringify(answer))
  await shot(page, '28b-host-group-detail')
  await page.keyboard.press('Escape')
  await shot(page, '28c-host-groups', true)
  // the same pages in English
  await page.selectOption('header [data-test=lang]', 'en')
  await page.waitForSelector('[data-test=host-web-1]:has-text("online")')
  await shot(page, '29-hosts-english')
  await page.click('[data-test=nav-keys]')
  await page.waitForSelector('[data-test="key-billing/card"]')
  await shot(page, '30-keys-english', true)
  await page.click('[data-test=nav-identity]')
  await page.waitForSelector('[data-test=dir-user-liwei]')
  await page.click('[data-test=tab-activity]')
  await page.waitForSelector('[data-test=chart-logins]')
  await shot(page, '31-identity-activity-english')
  await page.selectOption('header [data-test=lang]', 'zh-CN')
  await page.waitForSelector('[data-test=nav-identity]:has-text("身份目录")')
}

const profile = mkdtempSync(path.join(tmpdir(), 'rp-chromium-'))
const scratch = mkdtempSync(path.join(tmpdir(), 'rp-e2e-')) // files the test gives rampartd to read
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

  // --- policies: create, an invalid version refused at FILE:LINE, fixed, diff, rollback ---
  await page.click('[data-test=nav-policies]')
  await page.waitForURL(/\/policies/)
  await page.click('[data-test=policy-new]')
  await page.fill('[data-test=policy-editor] input[name=policy-name]', 'site')
  const V1 = 'version site-1\nmode block\ndetect sqli on\n'
  await page.fill('[data-test=policy-text]', V1)
  await page.fill('[data-test=policy-editor] input[name=comment]', 'first')
  await page.click('[data-test=policy-save]')
  await page.waitForURL(/\/policies\?name=site/)
  await page.waitForSelector('[data-test=version-1]')
  await page.fill('[data-test=policy-text]', 'version site-2\nmode block\nlimit body 64q\n')
  await page.click('[data-test=policy-save]')
  await page.waitForSelector('[data-test=policy-errors]')
  const problem = await page.textContent('[data-test=policy-errors]')
  check(problem.includes('site.policy:3') && /64q/.test(problem), 'the refused version names FILE:LINE: ' + problem)
  check(await page.$('.code-gutter [data-line="3"].bad'), 'the editor marks line 3')
  check(await page.evaluate(() => {
    const el = document.querySelector('[data-test=policy-text]')
    return document.activeElement === el && el.value.slice(el.selectionStart, el.selectionEnd) === 'limit body 64q'
  }), 'the bad line is selected in the editor')
  check((await apiGet(page, '/api/v1/policies/site')).body.policy.current_version === 1, 'the invalid text was not stored')
  await shot(page, '12-policy-error')
  // an error in a SecLang file the policy pulls in names that file, and marks no line of the editor
  const seclang = path.join(scratch, 'bad.conf')
  writeFileSync(seclang, '# one rule\nSecRuel ARGS "@rx x" "id:1,phase:2,deny"\n')
  await page.fill('[data-test=policy-text]', `version site-2\nmode block\nrules ${seclang}\n`)
  await page.click('[data-test=policy-validate]')
  await page.waitForSelector(`[data-test=policy-errors]:has-text("${seclang}:2")`)
  check(!(await page.$('.code-gutter .bad')), 'an error in another file marks no line of the editor')
  const V2 = 'version site-2\nmode block\ndetect sqli on\ndetect xss on\n'
  await page.fill('[data-test=policy-text]', V2)
  await page.click('[data-test=policy-validate]')
  await page.waitForSelector('[data-test=policy-valid]')
  check(!(await page.$('[data-test=policy-errors]')), 'validation clears the errors')
  await page.fill('[data-test=policy-editor] input[name=comment]', 'xss too')
  await page.click('[data-test=policy-save]')
  await page.waitForSelector('[data-test=version-2]')
  check((await page.textContent('[data-test=policies-notice]')).includes('2'), 'saving says which version')
  await page.selectOption('select[name=diff-from]', '1')
  await page.selectOption('select[name=diff-to]', '2')
  await page.click('[data-test=diff-compare]')
  await page.waitForSelector('[data-test=diff] .diff-add')
  const diff = await page.textContent('[data-test=diff]')
  check(diff.includes('-version site-1') && diff.includes('+detect xss on'), 'the diff of 1 → 2: ' + diff)
  await shot(page, '13-policy-diff', true)
  await page.click('[data-test=rollback-1]')
  await page.waitForSelector('[data-test=rollback-confirm] [data-test=diff] .diff-del')
  check((await page.textContent('[data-test=rollback-confirm]')).includes('-detect xss on'), 'the rollback confirmation shows the change')
  await shot(page, '14-policy-rollback-confirm')
  await page.click('[data-test=rollback-ok]')
  await page.waitForSelector('[data-test=version-3] .badge-redirect')
  const afterRollback = (await apiGet(page, '/api/v1/policies/site')).body
  check(afterRollback.policy.current_version === 3 && afterRollback.version.text === V1 && afterRollback.version.rollback_of === 1,
    'the rollback made version 3 with the text of 1')

  // --- applications: register, edit, a refused value, flip a switch, delete ---
  page.on('dialog', (d) => d.accept()) // the delete confirmations
  await page.click('[data-test=nav-apps]')
  await page.waitForSelector('[data-test=app-form]')
  async function registerApp(name, upstream) {
    await page.fill('[data-test=app-form] input[name=name]', name)
    await page.fill('[data-test=app-form] input[name=host]', 'shop.example')
    await page.fill('[data-test=app-form] input[name=upstream]', upstream)
    await page.click('[data-test=app-submit]')
  }
  await registerApp('shop', 'ftp://127.0.0.1:21')
  await page.waitForSelector('.error-note')
  check((await page.textContent('.error-note')).includes('upstream'), 'a bad upstream is refused, naming the field')
  await page.fill('[data-test=app-form] input[name=upstream]', 'http://127.0.0.1:8081')
  await page.selectOption('[data-test=app-form] select[name=policy]', 'site')
  await page.click('[data-test=app-submit]')
  await page.waitForSelector('[data-test=app-shop]')
  check((await page.textContent('[data-test=app-shop]')).includes('site'), 'the application names its policy')
  check((await page.getAttribute('[data-test=app-shop] a', 'href')) === '/events?app=shop', 'the application links to its events')
  await page.click('[data-test=edit-shop]')
  await page.fill('[data-test=app-form] input[name=path_prefix]', '/shop')
  await page.click('[data-test=app-submit]')
  await page.waitForSelector('[data-test=app-shop]:has-text("/shop")')
  check((await apiGet(page, '/api/v1/apps/shop')).body.app.path_prefix === '/shop', 'the edit reached the API')
  check((await apiGet(page, '/api/v1/apps/shop')).body.app.switches.waf === 'block', 'WAF blocks by default')
  const bundleBefore = (await apiGet(page, '/api/v1/gateways')).body.latest_version
  // keyboard: focus the WAF group's "block" radio and move to "detect" with an arrow key
  await page.focus('[data-test=switch-shop-waf] input[value=block]')
  let switchedAt = Date.now()
  await page.keyboard.press('ArrowRight')
  await page.waitForSelector('[data-test=apps-notice]')
  const changed = await page.textContent('[data-test=apps-notice]')
  check(changed.includes('shop') && changed.includes('WAF') && changed.includes('拦截') && changed.includes('仅检测'), 'the change is confirmed: ' + changed)
  const shopNow = (await apiGet(page, '/api/v1/apps/shop')).body.app
  check(shopNow.switches.waf === 'detect', 'the API has WAF on detect: ' + JSON.stringify(shopNow.switches))
  check((await apiGet(page, '/api/v1/gateways')).body.latest_version > bundleBefore, 'the switch published a new bundle')
  await attackUntil('detect_switch_lets_attack_pass', '200', switchedAt) // WAF detects only: the attack reaches the upstream
  await page.click('[data-test=switch-shop-rate_limit] .seg-detect')
  await page.waitForFunction(() => (document.querySelector('[data-test=apps-notice]')?.textContent || '').includes('限流'))
  check((await apiGet(page, '/api/v1/apps/shop')).body.app.switches.rate_limit === 'detect', 'another protection switched')
  await registerApp('scratch', 'http://127.0.0.1:8082')
  await page.waitForSelector('[data-test=app-scratch]')
  await page.click('[data-test=delete-scratch]')
  await page.waitForSelector('[data-test=app-scratch]', { state: 'detached' })
  check((await apiGet(page, '/api/v1/apps/scratch')).status === 404, 'the deleted application is gone')
  await shot(page, '15-apps')

  // --- gateways: the rampart sync of this gateway checked in with the latest bundle ---
  await page.click('[data-test=nav-gateways]')
  await page.waitForSelector('[data-test=gateway-e2e-gw]')
  const latest = (await apiGet(page, '/api/v1/gateways')).body.latest_version
  await page.waitForFunction(
    (v) => document.querySelector('[data-test=gateway-e2e-gw]').textContent.includes('v' + v + ' / v' + v),
    latest, { timeout: 8000 },
  )
  const gwRow = await page.textContent('[data-test=gateway-e2e-gw]')
  check(gwRow.includes('e2e-gateway') && gwRow.includes('local-gateway'), 'the gateway row: ' + gwRow)
  check((await page.textContent('[data-test=gateway-e2e-gw] [data-test=gw-health]')) === '正常', 'the gateway is healthy')
  const gwTokens = await page.textContent('[data-test=gateway-tokens]')
  check(gwTokens.includes('ci-gateway') && gwTokens.includes('local-gateway'), 'the gateway tokens are listed')
  await shot(page, '16-gateways')
  // --- identity, key management, hosts (the pages of issues 5-7) ---
  const pagesStart = Date.now()
  await identityKeysHosts(page)
  console.log('timing ' + JSON.stringify({ name: 'identity_keys_hosts_steps', ms: Date.now() - pagesStart }))
  await page.click('[data-test=nav-users]')
  await page.fill('[data-test=user-form] input[name=name]', 'sam')
  await page.selectOption('[data-test=user-form] select[name=role]', 'secops')
  await page.press('[data-test=user-form] input[name=name]', 'Enter')
  await page.waitForSelector('[data-test=secret]')
  const otp = (await page.textContent('[data-test=secret]')).trim()
  await page.waitForSelector('[data-test=users-table] td:has-text("sam")')
  await page.fill('[data-test=user-form] input[name=name]', 'audrey')
  await page.selectOption('[data-test=user-form] select[name=role]', 'auditor')
  await page.press('[data-test=user-form] input[name=name]', 'Enter')
  await page.waitForSelector('[data-test=users-table] td:has-text("audrey")')
  const auditorOtp = (await page.textContent('[data-test=secret]')).trim()
  check(auditorOtp && auditorOtp !== otp, 'the auditor has a one-time password of its own')
  check(!(await page.$('[data-test=nav-audit]')), 'the admin has no audit page')
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
  check(!(await page.$('[data-test=nav-audit]')), 'no audit page in the operator\'s navigation')
  check(!(await page.$('[data-test=nav-keys]')) && (await page.$('[data-test=nav-hosts]')) && (await page.$('[data-test=nav-identity]')),
    'the operator sees hosts and the directory, not key management')
  await page.goto(RD + '/audit')
  await page.waitForSelector('[data-test=forbidden]')
  check(!(await page.$('[data-test=audit-table], [data-test=audit-verify]')), '/audit shows nothing to the operator')
  await shot(page, '10-forbidden-secops')
  const status = await page.evaluate(async () => (await fetch('/api/v1/tokens')).status)
  check(status === 403, 'the API refuses the operator too: ' + status)
  for (const p of ['/api/v1/audit', '/api/v1/audit/verify']) {
    const st = (await apiGet(page, p)).status
    check(st === 403, p + ' refuses the operator: ' + st)
  }
  // the operator may switch protections: back to block, and the API agrees
  await page.click('[data-test=nav-apps]')
  switchedAt = Date.now()
  await page.click('[data-test=switch-shop-waf] .seg-block')
  await page.waitForSelector('[data-test=apps-notice]')
  check((await apiGet(page, '/api/v1/apps/shop')).body.app.switches.waf === 'block', 'the operator switched WAF back to block')
  await attackUntil('block_switch_blocks_again', '403', switchedAt)
  await page.click('[data-test=logout]')
  await page.waitForURL(/\/login/)

  // --- the auditor: the audit log, its verification, a record's chain and seal ---
  const finishAudrey = await login(page, 'audrey', auditorOtp, AUDITOR_NEW)
  await finishAudrey()
  check(await page.$('[data-test=nav-audit]'), 'the auditor has the audit page')
  await page.click('[data-test=nav-apps]')
  await page.waitForSelector('[data-test=app-shop]')
  check(!(await page.$('[data-test=app-form]')) && !(await page.$('[data-test=switch-shop-waf] input')), 'the auditor cannot change applications')
  await page.click('[data-test=nav-audit]')
  await page.waitForSelector('[data-test=audit-verify].verify-ok')
  check((await page.textContent('[data-test=verify-state]')) === '审计链完整', 'the chain verifies')
  const verified = (await apiGet(page, '/api/v1/audit/verify')).body
  check(verified.ok && verified.seals >= 1, 'the API verifies the chain with seals: ' + JSON.stringify(verified))
  await page.fill('[data-test=audit-filters] input[name=actor]', 'admin')
  await page.fill('[data-test=audit-filters] input[name=action]', 'app.switches')
  await page.selectOption('[data-test=audit-filters] select[name=outcome]', 'success')
  await page.click('[data-test=audit-apply]')
  await page.waitForURL(/action=app.switches/)
  await page.waitForFunction(() => {
    const rows = document.querySelectorAll('[data-test=audit-table] tbody tr.clickable')
    return rows.length === 2 && [...rows].every((r) => r.textContent.includes('app.switches') && r.textContent.includes('shop'))
  })
  await shot(page, '17-audit', true)
  const auditRow = await page.$('[data-test=audit-table] tbody tr.clickable:last-child')
  const tamperedSeq = Number((await auditRow.getAttribute('data-test')).replace('audit-', ''))
  await auditRow.focus()
  await page.keyboard.press('Enter')
  await page.waitForSelector('[data-test=audit-detail]')
  check(/^[0-9a-f]{64}$/.test((await page.textContent('[data-test=audit-hash]')).trim()), 'the record shows its SM3 hash')
  check(/^[0-9a-f]{64}$/.test((await page.textContent('[data-test=audit-prev-hash]')).trim()), 'and the previous one')
  check((await page.textContent('[data-test=audit-detail-json]')).includes('waf'), 'the detail names the switch')
  check((await page.textContent('[data-test=audit-seal]')).includes('签封于序号'), 'the record is covered by a seal')
  await shot(page, '18-audit-record')
  await page.keyboard.press('Escape')
  await page.waitForSelector('[data-test=audit-detail]', { state: 'detached' })
  const auditCsv = await page.evaluate(async (u) => (await fetch(u)).text(), await page.getAttribute('[data-test=audit-export-csv]', 'href'))
  check(auditCsv.startsWith('seq,time,actor') && auditCsv.split('\r\n').filter((l) => l.includes('app.switches')).length === 2, 'the audit CSV export has the filter\'s records')
  await page.selectOption('header [data-test=lang]', 'en')
  await page.waitForSelector('[data-test=verify-state]:has-text("The audit chain is intact")')
  await shot(page, '19-audit-english', true)
  await page.click('[data-test=nav-policies]')
  await page.click('[data-test=policy-site]')
  await page.waitForSelector('[data-test=version-3]')
  check(!(await page.$('[data-test=policy-save]')) && !(await page.$('[data-test=rollback-1]')), 'the auditor cannot change policies')
  await shot(page, '20-policies-english-auditor', true)
  await page.click('[data-test=nav-apps]')
  await page.waitForSelector('[data-test=app-shop]')
  await shot(page, '21-apps-english-auditor')
  await page.click('[data-test=nav-gateways]')
  await page.waitForSelector('[data-test=gateway-e2e-gw]')
  check(!(await page.$('[data-test=gateway-tokens]')), 'the auditor does not see gateway tokens')
  await shot(page, '22-gateways-english')
  await page.click('[data-test=nav-keys]')
  await page.waitForSelector('[data-test="key-billing/card"]')
  check(!(await page.$('[data-test=key-form], [data-test=master-form], [data-test="rotate-billing/card"]')), 'the auditor reads keys, changes none')
  await page.click('[data-test=nav-identity]')
  await page.waitForSelector('[data-test=dir-user-liwei]')
  check(!(await page.$('[data-test=dir-user-form]')), 'the auditor reads the directory, changes nothing')
  await shot(page, '32-identity-auditor-english')
  await page.selectOption('header [data-test=lang]', 'zh-CN')
  await page.waitForSelector('[data-test=nav-audit]:has-text("审计日志")')

  // --- someone with write access to the store edits a record: the page says so ---
  // (as test_rampartd_audit.py does: drop the no-update trigger, change a field)
  execFileSync('python3', ['-c', [
    'import sqlite3, sys',
    'db = sqlite3.connect(sys.argv[1], timeout=10)',
    'db.execute("DROP TRIGGER audit_log_no_update")',
    'db.execute("UPDATE audit_log SET actor = \'mallory\' WHERE seq = ?", (int(sys.argv[2]),))',
    'db.commit()',
  ].join('\n'), process.env.RD_DB, String(tamperedSeq)])
  await page.click('[data-test=nav-audit]')
  await page.click('[data-test=verify-again]')
  await page.waitForSelector('[data-test=audit-verify].verify-bad')
  check((await page.textContent('[data-test=verify-state]')) === '审计链已被篡改', 'the page reports tampering')
  const firstBad = await page.textContent('[data-test=first-bad]')
  check(firstBad.includes('序号 ' + tamperedSeq), 'the first bad record is named: ' + firstBad)
  await shot(page, '23-audit-tampered')

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
  rmSync(scratch, { recursive: true, force: true })
}
process.exit(failed ? 1 : 0)

// api_inventory.mjs — the console's API inventory page in headless Chromium
// (Debian's chromium, driven by playwright-core). Run by
// tests/integration/test_api_discovery.py once the gateway's traffic has
// built application demo's inventory:
//
//   RD_URL       rampartd (console + API)
//   PASSWORD     admin's password (already changed)
//   SHOT_DIR     where the PNG screenshots go
//   CHROMIUM     the browser (default /usr/bin/chromium)
//   CONSOLE_SRC  console/, whose node_modules has playwright-core
//
// Steps: log in, open the page for demo (Chinese), see the three endpoints
// and the flag counts, filter risky (one row, the citizens' look-up) and
// shadow (the export endpoint), download the draft OpenAPI document through
// the export link, switch to English. No page error, no CSP violation, no
// request off rampartd.
import { createRequire } from 'node:module'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

const { chromium } = createRequire(path.join(process.env.CONSOLE_SRC, 'package.json'))('playwright-core')
const RD = process.env.RD_URL
const SHOTS = process.env.SHOT_DIR
const problems = []
function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what)
}
async function rows(page) {
  return page.$$eval('[data-test=inv-table] tbody tr[data-test^=inv-row-]', (trs) => trs.map((tr) => tr.dataset.test.slice(8)))
}

const profile = mkdtempSync(path.join(tmpdir(), 'rp-chromium-'))
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  chromiumSandbox: false,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
  viewport: { width: 1440, height: 900 },
  timezoneId: 'UTC',
  locale: 'zh-CN',
  acceptDownloads: true,
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
  await page.fill('input[name=username]', 'admin')
  await page.fill('input[name=password]', process.env.PASSWORD)
  await page.press('input[name=password]', 'Enter')
  await page.waitForURL(/\/overview/)

  await page.click('[data-test=nav-api-inventory]')
  await page.waitForURL(/\/api-inventory/)
  await page.waitForSelector('[data-test="inv-row-GET /api/citizens/{id}"]')
  check((await rows(page)).length === 3, 'three endpoints: ' + (await rows(page)))
  check((await page.textContent('[data-test=inv-kpi-risky]')).trim() === '1', 'one risky endpoint')
  check((await page.textContent('[data-test=inv-kpi-shadow]')).trim() === '1', 'one shadow endpoint')
  const citizens = await page.textContent('[data-test="inv-row-GET /api/citizens/{id}"]')
  check(citizens.includes('高风险') && citizens.includes('resident_id') && citizens.includes('无认证'), 'the citizens row: ' + citizens)
  check((await page.textContent('[data-test=inv-unused]')).includes('GET /api/citizens/{id}/history'), 'the unused operation is listed')
  await page.screenshot({ path: path.join(SHOTS, 'api-inventory-zh.png'), fullPage: true })

  await page.click('label:has([data-test=inv-filter-risky])')
  await page.waitForURL(/filter=risky/)
  await page.waitForFunction(() => document.querySelectorAll('[data-test=inv-table] tbody tr[data-test^=inv-row-]').length === 1)
  check((await rows(page))[0] === 'GET /api/citizens/{id}', 'risky filter: ' + (await rows(page)))
  await page.click('label:has([data-test=inv-filter-shadow])')
  await page.waitForURL(/filter=shadow/)
  await page.waitForSelector('[data-test="inv-row-GET /api/internal/export"]')
  check((await rows(page)).length === 1, 'shadow filter: ' + (await rows(page)))

  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-test=inv-export]')])
  const spec = JSON.parse(readFileSync(await download.path(), 'utf8'))
  check(spec.openapi === '3.1.0' && spec.paths['/api/citizens/{id}'].get, 'the exported draft: ' + JSON.stringify(spec).slice(0, 200))
  check(download.suggestedFilename() === 'demo-openapi-draft.json', 'download name ' + download.suggestedFilename())

  await page.click('label:has([data-test=inv-filter-all])')
  await page.selectOption('header [data-test=lang]', 'en')
  await page.waitForSelector('[data-test=nav-api-inventory]:has-text("API inventory")')
  await page.waitForSelector('[data-test="inv-row-GET /api/citizens/{id}"]:has-text("Risky")')
  await page.screenshot({ path: path.join(SHOTS, 'api-inventory-en.png'), fullPage: true })
  check(problems.length === 0, 'no page problems: ' + problems.join('; '))
  console.log('api inventory page: ok')
} catch (e) {
  failed = true
  console.error(e.stack || String(e))
} finally {
  await context.close()
  rmSync(profile, { recursive: true, force: true })
}
process.exit(failed ? 1 : 0)

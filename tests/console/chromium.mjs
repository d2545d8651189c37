// chromium.mjs — Debian's chromium through playwright-core for the browser
// tests (portal_e2e.mjs, oidc_consent_e2e.mjs, apisec.mjs): one launch with the flags
// every test uses, and the page watch that turns CSP refusals, page errors
// and requests to any other origin into problems.
import { createRequire } from 'node:module'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

const { chromium } = createRequire(path.join(process.env.CONSOLE_SRC, 'package.json'))('playwright-core')

// {context, profile}: a persistent context in a fresh profile directory (the caller removes it).
export async function launch(prefix, { extraArgs = [], viewport = { width: 1100, height: 820 } } = {}) {
  const profile = mkdtempSync(path.join(tmpdir(), prefix))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    chromiumSandbox: false,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', ...extraArgs],
    viewport,
    timezoneId: 'UTC',
    locale: 'zh-CN',
  })
  return { context, profile }
}

// Records in problems what must not happen on page: the origins are the only ones it may reach.
export function watch(page, origins, problems) {
  page.setDefaultTimeout(10000)
  page.on('console', (m) => {
    if (/Content.Security.Policy|Refused to/i.test(m.text())) problems.push('CSP: ' + m.text())
  })
  page.on('pageerror', (e) => problems.push('page error: ' + e.message))
  page.on('request', (r) => {
    const u = r.url()
    if (!origins.some((o) => u.startsWith(o + '/')) && !u.startsWith('data:')) problems.push('third-party request: ' + u)
  })
}

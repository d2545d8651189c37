// bot_challenge.mjs — headless Chromium (Debian's chromium driven by
// playwright-core, launched as tests/console/e2e.mjs does) opens a page
// behind a gateway whose policy challenges every visitor: the browser must
// run the proof of work, get the clearance cookie and land on the page.
// Prints one JSON line: the page's heading, the final URL, the clearance
// and the browser's User-Agent. Run by tests/integration/test_bots.py.
//
// Environment: GW_URL, CONSOLE_SRC (for playwright-core), CHROMIUM.
import { createRequire } from 'node:module'
import path from 'node:path'

const { chromium } = createRequire(path.join(process.env.CONSOLE_SRC, 'package.json'))('playwright-core')

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  chromiumSandbox: false,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
})
try {
  const context = await browser.newContext({ locale: 'zh-CN' })
  const page = await context.newPage()
  const started = Date.now()
  await page.goto(process.env.GW_URL + '/portal/home?tab=1&q=%E5%8C%BB%E4%BF%9D')
  await page.waitForSelector('#portal-home', { timeout: 60000 })
  const solvedMs = Date.now() - started
  const clearance = (await context.cookies()).find((c) => c.name === 'rampart_clearance')
  console.log(JSON.stringify({
    heading: await page.textContent('#portal-home'),
    url: page.url(),
    clearance: clearance ? clearance.value : null,
    httpOnly: clearance ? clearance.httpOnly : null,
    userAgent: await page.evaluate(() => navigator.userAgent),
    webdriver: await page.evaluate(() => navigator.webdriver),
    solvedMs,
  }))
} finally {
  await browser.close()
}

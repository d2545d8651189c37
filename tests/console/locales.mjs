// locales.mjs — every message key the console has exists in both languages,
// and every literal key the sources use exists. Run by
// tests/integration/test_console_locales.py (plain node, no browser):
//
//   node tests/console/locales.mjs CONSOLE_SRC_DIR
//
// Messages come from src/locales/*.js and from each page's
// `page.messages` (the plain <script> block of pages/*.vue, imported as a
// module). Keys used are the literal first arguments of t('…'), $t('…'),
// te('…') and page `title: '…'` in src/**/*.{vue,js}; keys built at run
// time (t('roles.' + r)) are checked through their literal prefix only
// (that prefix must be a message group). Prints every problem and exits 1
// if there is any.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

const SRC = path.resolve(process.argv[2] || 'console', 'src')
const LOCALES = ['zh-CN', 'en']

function files(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name)
    if (statSync(p).isDirectory()) files(p, out)
    else if (/\.(vue|js)$/.test(name)) out.push(p)
  }
  return out
}

// Deep-merges b into a (what vue-i18n's mergeLocaleMessage does).
function merge(a, b) {
  for (const [k, v] of Object.entries(b || {})) {
    if (v && typeof v === 'object' && a[k] && typeof a[k] === 'object') merge(a[k], v)
    else a[k] = v
  }
  return a
}
function leaves(obj, prefix = '', out = new Map()) {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? prefix + '.' + k : k
    if (v && typeof v === 'object') leaves(v, key, out)
    else out.set(key, v)
  }
  return out
}
function lookup(obj, key) {
  return key.split('.').reduce((o, k) => (o && typeof o === 'object' ? o[k] : undefined), obj)
}

const messages = {}
for (const code of LOCALES) messages[code] = merge({}, (await import(pathToFileURL(path.join(SRC, 'locales', code + '.js')))).default)

const problems = []
const sources = files(SRC)
for (const file of sources.filter((f) => f.endsWith('.vue'))) {
  const text = readFileSync(file, 'utf8')
  const plain = text.match(/<script>\n([\s\S]*?)<\/script>/)
  if (!plain) continue
  const mod = await import('data:text/javascript;base64,' + Buffer.from(plain[1]).toString('base64'))
  const own = mod.page && mod.page.messages
  if (!own) continue
  for (const code of LOCALES) {
    if (!own[code]) problems.push(`${path.basename(file)}: no ${code} messages`)
    merge(messages[code], own[code])
  }
}

// Same keys in both languages, none empty.
const sets = Object.fromEntries(LOCALES.map((c) => [c, leaves(messages[c])]))
for (const a of LOCALES) {
  for (const [key, value] of sets[a]) {
    for (const b of LOCALES) if (!sets[b].has(key)) problems.push(`${key}: in ${a}, missing in ${b}`)
    if (typeof value !== 'string' || !value.trim()) problems.push(`${key}: empty in ${a}`)
  }
}

// Every key the code names exists (in both, by the check above).
const USE = /(?:\$t|\bt|\bte)\(\s*'([^']+)'\s*(\+)?/g
const TITLE = /\btitle:\s*'([a-zA-Z]+\.[a-zA-Z.]+)'/g
let used = 0
for (const file of sources) {
  const text = readFileSync(file, 'utf8')
  for (const m of text.matchAll(USE)) {
    used++
    const key = m[1]
    const dynamic = !!m[2]
    const prefix = key.replace(/\.$/, '')
    const found = lookup(messages.en, prefix)
    if (dynamic ? !(found && typeof found === 'object') : typeof found !== 'string')
      problems.push(`${path.relative(SRC, file)}: ${dynamic ? 'group' : 'key'} ${prefix} is not a message${dynamic ? ' group' : ''}`)
  }
  for (const m of text.matchAll(TITLE)) {
    used++
    if (typeof lookup(messages.en, m[1]) !== 'string') problems.push(`${path.relative(SRC, file)}: title ${m[1]} is not a message`)
  }
}

if (problems.length) {
  console.error(problems.join('\n'))
  console.error(`${problems.length} locale problem(s)`)
  process.exit(1)
}
console.log(`locales ok: ${sets.en.size} keys in ${LOCALES.join(', ')}, ${used} uses checked`)

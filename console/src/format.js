// format.js — times and numbers in the console's language.
import { i18n } from './i18n.js'

export function formatTime(iso, withDate = true) {
  if (!iso) return '—'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  const opts = { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }
  if (withDate) Object.assign(opts, { year: 'numeric', month: '2-digit', day: '2-digit' })
  return new Intl.DateTimeFormat(i18n.global.locale.value, opts).format(d)
}

export function formatNumber(n) {
  if (n === undefined || n === null) return '—'
  return new Intl.NumberFormat(i18n.global.locale.value).format(n)
}

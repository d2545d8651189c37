// i18n.js — zh-CN by default, English on request; the choice is kept in
// localStorage. Messages are compiled without eval (vue-i18n's JIT
// compiler), as the console's Content-Security-Policy requires.
import { createI18n } from 'vue-i18n'
import zhCN from './locales/zh-CN.js'
import en from './locales/en.js'

export const LOCALES = [
  { code: 'zh-CN', label: '中文' },
  { code: 'en', label: 'English' },
]
const STORAGE_KEY = 'rampart.locale'

function savedLocale() {
  try {
    const v = localStorage.getItem(STORAGE_KEY)
    return LOCALES.some((l) => l.code === v) ? v : 'zh-CN'
  } catch {
    return 'zh-CN'
  }
}

export const i18n = createI18n({
  legacy: false,
  locale: savedLocale(),
  fallbackLocale: 'en',
  messages: { 'zh-CN': zhCN, en },
})

export function setLocale(code) {
  i18n.global.locale.value = code
  document.documentElement.lang = code
  try {
    localStorage.setItem(STORAGE_KEY, code)
  } catch {
    /* private mode: the choice lasts for this page only */
  }
}

// A page may bring its own messages ({ 'zh-CN': {...}, en: {...} }).
export function addMessages(messages) {
  for (const [code, m] of Object.entries(messages || {})) i18n.global.mergeLocaleMessage(code, m)
}

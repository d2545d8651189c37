// router.js — the console's routes come from its pages: every file in
// pages/ that exports `page` (path, title, nav section and order, the
// permission it needs) is a route and, with `section`, a navigation entry.
// Adding a page is adding one file (docs/CONSOLE.md).
import { createRouter, createWebHistory } from 'vue-router'
import { api } from './api.js'
import { session } from './session.js'
import { addMessages } from './i18n.js'
import NotFound from './components/NotFound.vue'

// Navigation sections, in order; a section without pages is not shown.
export const SECTIONS = ['monitor', 'protect', 'audit', 'system']

const modules = import.meta.glob('./pages/*.vue', { eager: true })
export const pages = Object.values(modules)
  .filter((m) => m.page && m.page.path)
  .map((m) => {
    addMessages(m.page.messages)
    return { ...m.page, component: m.default }
  })
  .sort((a, b) => (a.order || 0) - (b.order || 0))

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', redirect: '/overview' },
    ...pages.map((p) => ({ path: p.path, name: p.name, component: p.component, meta: p })),
    { path: '/:unknown(.*)*', component: NotFound, meta: { title: 'notFound.title' } },
  ],
})

export async function loadSession() {
  try {
    session.set(await api('GET', '/api/v1/auth/session'))
  } catch {
    session.clear()
  }
}

router.beforeEach(async (to) => {
  if (!session.loaded) await loadSession()
  // a logged-in account has nothing to do on the login page
  if (to.path === '/login' && session.user && !session.user.must_change_password) return { path: '/overview' }
  if (to.meta.public) return true
  if (!session.user || session.user.must_change_password) {
    return { path: '/login', query: to.fullPath !== '/overview' ? { next: to.fullPath } : {} }
  }
  return true // a page the role may not see renders "not allowed" (App.vue)
})

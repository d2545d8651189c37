import { createApp } from 'vue'
import App from './App.vue'
import { router } from './router.js'
import { i18n } from './i18n.js'
import { setUnauthenticatedHandler } from './api.js'
import './style.css'

document.documentElement.lang = i18n.global.locale.value
setUnauthenticatedHandler(() => {
  const here = router.currentRoute.value
  if (!here.meta.public) router.push({ path: '/login', query: { next: here.fullPath } })
})
createApp(App).use(i18n).use(router).mount('#app')

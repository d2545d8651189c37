// session.js — who is logged in, with which role and permissions, and the
// CSRF token of the session (from login or GET /api/v1/auth/session).
import { reactive } from 'vue'

export const session = reactive({
  loaded: false,
  user: null, // { name, role, must_change_password }
  csrf: '',
  permissions: [],
  set(info) {
    this.user = { name: info.name, role: info.role, must_change_password: !!info.must_change_password }
    if (info.csrf_token) this.csrf = info.csrf_token
    if (info.permissions) this.permissions = info.permissions
    this.loaded = true
  },
  clear() {
    this.user = null
    this.csrf = ''
    this.permissions = []
    this.loaded = true
  },
  can(permission) {
    return !permission || this.permissions.includes(permission)
  },
})

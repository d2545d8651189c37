// listFilter.js — a searchable list page (events, audit log): a filter
// form kept in the URL (shareable, linkable), a time range (presets or
// custom from/to), keyset pages over the API's next_cursor, and CSV/JSON
// export links for the same filter. The page renders; this keeps state.
import { computed, reactive, ref, watch } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import { api, query } from './api.js'

const PAGE_SIZE = 50

// path: the page's route; endpoint: the API list; listKey: the array in
// its answer; fields: text filters passed as they are; ranges: preset
// name → milliseconds back from now (0: no lower bound).
export function useListFilter({ path, endpoint, listKey, fields, ranges, defaultRange }) {
  const route = useRoute()
  const router = useRouter()
  const form = reactive({ range: defaultRange, from: '', to: '', ...Object.fromEntries(fields.map((f) => [f, ''])) })
  const rows = ref([])
  const error = ref(null)
  const loading = ref(false)
  const cursors = ref([]) // the cursor of every page shown so far, for "first page"
  const nextCursor = ref('')

  function fromQuery() {
    const q = route.query
    form.range = typeof q.range === 'string' && (q.range in ranges || q.range === 'custom') ? q.range : defaultRange
    form.from = typeof q.from === 'string' ? q.from : ''
    form.to = typeof q.to === 'string' ? q.to : ''
    for (const f of fields) form[f] = typeof q[f] === 'string' ? q[f] : ''
  }

  // The API's filter parameters for the form as it is now.
  function filterParams() {
    const p = {}
    for (const f of fields) if (form[f].trim()) p[f] = form[f].trim()
    if (form.range === 'custom') {
      if (form.from) p.from = new Date(form.from).toISOString()
      if (form.to) p.to = new Date(form.to).toISOString()
    } else if (ranges[form.range]) {
      p.from = Date.now() - ranges[form.range]
    }
    return p
  }

  async function load(cursor) {
    loading.value = true
    error.value = null
    try {
      const res = await api('GET', endpoint + query({ ...filterParams(), limit: PAGE_SIZE, cursor }))
      rows.value = res[listKey]
      nextCursor.value = res.next_cursor || ''
    } catch (e) {
      error.value = e
      rows.value = []
      nextCursor.value = ''
    } finally {
      loading.value = false
    }
  }

  watch(
    () => route.query,
    () => {
      if (route.path !== path) return
      fromQuery()
      cursors.value = []
      load()
    },
    { immediate: true },
  )

  function apply() {
    const q = {}
    if (form.range !== defaultRange) q.range = form.range
    if (form.range === 'custom') {
      if (form.from) q.from = form.from
      if (form.to) q.to = form.to
    }
    for (const f of fields) if (form[f].trim()) q[f] = form[f].trim()
    if (JSON.stringify(q) === JSON.stringify(route.query)) {
      cursors.value = []
      load()
    } else {
      router.push({ path, query: q })
    }
  }
  function reset() {
    router.push({ path })
  }
  function nextPage() {
    cursors.value.push(nextCursor.value)
    load(nextCursor.value)
  }
  function firstPage() {
    cursors.value = []
    load()
  }

  const exportCsv = computed(() => endpoint + query({ ...filterParams(), format: 'csv', limit: 10000 }))
  const exportJson = computed(() => endpoint + query({ ...filterParams(), format: 'json', limit: 1000 }))

  return { form, rows, error, loading, cursors, nextCursor, apply, reset, nextPage, firstPage, exportCsv, exportJson }
}

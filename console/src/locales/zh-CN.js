// 简体中文 — the console's default language.
export default {
  app: { name: 'Rampart', product: '壁垒 · 应用安全平台', skip: '跳到主要内容', version: '版本 {v}' },
  nav: {
    monitor: '监控', protect: '防护', audit: '审计', system: '系统',
    overview: '总览', events: '事件', users: '用户与角色', tokens: 'API 令牌', settings: '设置与关于',
  },
  common: {
    loading: '加载中…', refresh: '刷新', save: '保存', cancel: '取消', delete: '删除', close: '关闭',
    apply: '应用', reset: '重置', all: '全部', none: '无', yes: '是', no: '否', actions: '操作',
    name: '名称', role: '角色', created: '创建时间', error: '出错了：{msg}', never: '从不',
    language: '语言', logout: '退出登录', loggedInAs: '当前用户', confirmDelete: '确定删除 {name}？',
    copy: '复制', edit: '编辑', back: '返回', shownOnce: '只显示这一次，请立即复制保存。', status: '状态', enabled: '启用', disabled: '停用',
  },
  roles: { admin: '管理员', secops: '安全运维', auditor: '审计员', gateway: '网关', app: '应用（加密服务）' },
  actions: { allow: '放行', log: '记录', detect: '检测', block: '拦截', redirect: '重定向', challenge: '质询' },
  login: {
    title: '登录控制台', username: '用户名', password: '密码', submit: '登录', failed: '用户名或密码错误',
    throttled: '失败次数过多，请 {s} 秒后再试', changeTitle: '设置新密码',
    changeHint: '首次登录（或密码被重置）后必须先修改密码。新密码至少 12 个字符，且不能包含用户名。',
    current: '当前密码', fresh: '新密码', confirm: '确认新密码', mismatch: '两次输入的新密码不一致',
    changeSubmit: '修改密码并进入', working: '正在处理…',
  },
  overview: {
    live: '实时', paused: '已暂停', pause: '暂停', resume: '继续', updated: '更新于 {t}',
    window: '最近 60 分钟', events: '事件（攻击与检测）', blocked: '已拦截', detected: '仅检测/记录',
    lastMinute: '最近一分钟', perMinute: '每分钟事件数', topApps: '受攻击最多的应用', topPaths: '受攻击最多的路径',
    topClients: '攻击来源地址 Top', categories: '攻击类别', topRules: '命中最多的规则', noData: '暂无数据',
    requestsNote: '请求总数（含正常请求）将在网关状态上报后显示；这里的计数是网关上报的安全事件。',
  },
  events: {
    filters: '筛选', range: '时间范围', from: '开始', to: '结束', app: '应用', client: '客户端地址',
    rule: '规则', category: '类别', action: '处置', text: '全文搜索', textHint: '请求、载荷中的任意片段',
    ranges: { '15m': '15 分钟', '1h': '1 小时', '24h': '24 小时', '7d': '7 天', all: '全部', custom: '自定义' },
    time: '时间', method: '方法', uri: '请求', score: '分数', httpStatus: '状态码',
    count: '本页 {n} 条', more: '下一页', first: '回到第一页', empty: '没有符合条件的事件',
    exportCsv: '导出 CSV', exportJson: '导出 JSON', detail: '事件详情', requestLine: '原始请求行',
    matches: '命中规则', detector: '检测器/规则', target: '位置', excerpt: '摘录', message: '说明',
    fields: '字段', raw: '原始事件 (JSON)', requestId: '请求 ID', host: '主机', source: '来源', received: '接收时间',
    openHint: '回车或点击查看详情',
  },
  users: {
    title: '用户与角色', create: '新建用户', createSubmit: '创建', nameHint: '1–64 个字符：字母、数字、点、下划线、连字符',
    otp: '{name} 的一次性密码', mustChange: '需改密码', lastLogin: '上次登录', changeRole: '修改角色',
    disable: '停用', enable: '启用', resetPassword: '重置密码', readOnly: '审计员可以查看账号，不能修改。',
    roleHelp: {
      admin: '管理系统：账号、令牌、设置；不能删除审计记录',
      secops: '负责安全：事件、策略与防护开关',
      auditor: '只读审查：事件、账号与审计日志，不能做任何修改',
    },
  },
  tokens: {
    title: 'API 令牌', create: '新建令牌', createSubmit: '创建', expires: '有效期（天）', expiresHint: '留空表示永不过期',
    prefix: '前缀', expiresAt: '过期时间', lastUsed: '最近使用', revoke: '吊销', revoked: '已吊销',
    secret: '令牌 {name}', help: '自动化与远程网关使用 Authorization: Bearer 令牌访问 API；网关角色只能上报事件。',
  },
  settings: {
    ingestion: '事件接入', received: '已接收', stored: '已入库', dropped: '已丢弃', rejected: '已拒绝（格式错误）',
    backpressure: '背压拒绝（发送方重试）', queue: '队列', batches: '批次', storeErrors: '存储错误',
    store: '存储', backend: '后端', healthy: '正常', unhealthy: '已停止写入', retention: '保留期',
    days: '{n} 天', sources: '事件源', lag: '未入库字节', about: '关于', version: '版本', console: '控制台',
    session: '会话', idle: '空闲超时', file: '文件', socket: '套接字', http: 'HTTP',
  },
  banner: {
    storeUnhealthy: '事件接入已停止：存储拒绝写入（磁盘已满或达到 store_max_size）。新事件在网关侧排队，释放空间后自动恢复。',
  },
  forbidden: { title: '无权访问', body: '角色“{role}”没有访问此页面的权限。' },
  notFound: { title: '页面不存在', back: '返回总览' },
}

// Form helpers for the citizen portal.
(function () {
  'use strict';
  function serialize(form) {
    const data = {};
    new FormData(form).forEach(function (value, key) { data[key] = value; });
    return data;
  }
  async function submit(event) {
    event.preventDefault();
    const form = event.target;
    const res = await fetch(form.action, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': form.dataset.csrf },
      body: JSON.stringify(serialize(form)),
    });
    const out = document.querySelector('#result');
    out.textContent = res.ok ? '已提交' : '提交失败 (' + res.status + ')';
  }
  document.querySelectorAll('form.ajax').forEach(function (f) { f.addEventListener('submit', submit); });
})();

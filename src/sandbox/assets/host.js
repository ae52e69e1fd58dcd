/*
 * The host window of the sandbox: answers AP calls from the app's iframe (see ap-shim.js) the way
 * Jira's host side of all.js does, and submits the user switcher on change.
 */
(function () {
  'use strict';
  var base = '/sandbox';
  var appOrigin = document.body.getAttribute('data-app-origin');
  var frame = document.getElementById('sbx-app-iframe');
  var flagCount = 0;

  document.querySelectorAll('[data-autosubmit]').forEach(function (select) {
    select.addEventListener('change', function () {
      select.form.submit();
    });
  });

  function postJson(url, body) {
    return fetch(url, { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body || {}) }).then(
      function (response) {
        return response.json();
      },
    );
  }

  function showFlag(args) {
    var id = 'flag-' + ++flagCount;
    var flag = document.createElement('div');
    flag.className = 'sbx-flag sbx-flag--' + (args.type || 'info');
    flag.id = id;
    flag.setAttribute('role', args.type === 'error' ? 'alert' : 'status');
    var title = document.createElement('strong');
    title.textContent = args.title || '';
    var body = document.createElement('div');
    body.textContent = args.body || '';
    flag.appendChild(title);
    flag.appendChild(body);
    document.getElementById('sbx-flags').appendChild(flag);
    if (args.close !== 'manual')
      setTimeout(function () {
        flag.remove();
      }, 8000);
    return id;
  }

  var handlers = {
    'context.getToken': function () {
      return postJson(base + '/api/context-token').then(function (answer) {
        return answer.token;
      });
    },
    'context.getContext': function () {
      return Promise.resolve({ jira: {} });
    },
    'user.getCurrentUser': function () {
      return fetch(base + '/rest/api/3/myself', { credentials: 'same-origin' })
        .then(function (r) {
          return r.json();
        })
        .then(function (me) {
          return { atlassianAccountId: me.accountId };
        });
    },
    request: function (args) {
      var url = base + args.url.replace(/^\/+/, '/');
      var init = { method: args.type, credentials: 'same-origin', headers: {} };
      if (args.data !== undefined && args.type !== 'GET') {
        init.body = typeof args.data === 'string' ? args.data : JSON.stringify(args.data);
        init.headers['Content-Type'] = args.contentType || 'application/json';
      }
      return fetch(url, init).then(function (response) {
        return response.text().then(function (text) {
          return { status: response.status, body: text };
        });
      });
    },
    'navigator.go': function (args) {
      var moduleKey = args.context && args.context.moduleKey;
      if (args.target === 'addonmodule' && moduleKey) {
        return fetch(base + '/api/page-url?moduleKey=' + encodeURIComponent(moduleKey), { credentials: 'same-origin' })
          .then(function (r) {
            return r.json();
          })
          .then(function (answer) {
            window.location.assign(answer.url);
          });
      }
      window.location.assign(base + '/');
      return Promise.resolve();
    },
    'navigator.reload': function () {
      window.location.reload();
      return Promise.resolve();
    },
    'flag.create': function (args) {
      return Promise.resolve(showFlag(args));
    },
    'flag.close': function (args) {
      var el = document.getElementById(args.id);
      if (el) el.remove();
      return Promise.resolve();
    },
    resize: function (args) {
      if (frame && args.height > 0) frame.style.height = Math.max(args.height, 200) + 'px';
      return Promise.resolve();
    },
  };

  window.addEventListener('message', function (event) {
    if (!frame || event.source !== frame.contentWindow || event.origin !== appOrigin) return;
    var data = event.data || {};
    if (data.type !== 'twofold-ap-call' || !handlers[data.method]) return;
    handlers[data.method](data.args || {}).then(
      function (result) {
        event.source.postMessage({ type: 'twofold-ap-result', id: data.id, result: result }, event.origin);
      },
      function (error) {
        event.source.postMessage({ type: 'twofold-ap-result', id: data.id, error: String(error) }, event.origin);
      },
    );
  });
})();

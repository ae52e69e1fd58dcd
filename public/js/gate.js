/*
 * The gate's page on the Data Center host (/twofold/verify): a code or backup code, the first set-up of
 * a required user, and answers to waiting Git or REST clients. Calls go to the same origin (relative
 * URLs under /twofold/), with the Data Center session cookie; the answer sets the twofold_gate cookie.
 */
(function () {
  'use strict';
  var root = document.querySelector('[data-gate]');
  if (!root) return;
  var rd = root.getAttribute('data-rd') || '/';
  var message = root.querySelector('[data-message]');
  var backupMode = false;

  function say(title, body, code) {
    message.querySelector('[data-message-title]').textContent = title;
    message.querySelector('[data-message-body]').textContent = body || '';
    message.setAttribute('data-code', code || '');
    message.hidden = false;
  }
  function post(path, body) {
    return fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.text().then(function (text) {
        var json = text ? JSON.parse(text) : {};
        if (!response.ok) {
          var error = (json && json.error) || { code: 'internal_error', message: 'Something went wrong.' };
          throw error;
        }
        return json;
      });
    });
  }
  function explain(error) {
    var titles = {
      invalid_code: 'That code is not right',
      code_reused: 'That code was used already',
      locked_out: 'Too many wrong codes',
      invalid_request: 'Check what you typed',
      bad_origin: 'Refused',
      unauthenticated: 'Log in first',
    };
    say(titles[error.code] || 'Could not do that', error.message, error.code);
  }

  var verifyForm = root.querySelector('[data-form="verify"]');
  if (verifyForm) {
    var input = verifyForm.querySelector('input');
    var toggle = root.querySelector('[data-action="toggle-backup"]');
    if (toggle) {
      toggle.addEventListener('click', function () {
        backupMode = !backupMode;
        toggle.setAttribute('aria-pressed', String(backupMode));
        toggle.textContent = backupMode ? 'Use a code from your app or token' : 'Use a backup code instead';
        root.querySelector('[data-field="label"]').textContent = backupMode ? 'Backup code' : 'Code from your app or token';
        input.setAttribute('inputmode', backupMode ? 'text' : 'numeric');
        input.value = '';
        input.focus();
      });
    }
    verifyForm.addEventListener('submit', function (event) {
      event.preventDefault();
      var value = input.value.trim();
      var body = backupMode ? { backupCode: value, rd: rd } : { code: value, rd: rd };
      post('verify', body).then(
        function (answer) {
          window.location.assign(answer.redirect);
        },
        function (error) {
          input.value = '';
          explain(error);
        },
      );
    });
  }

  var start = root.querySelector('[data-action="start-enroll"]');
  if (start) {
    start.addEventListener('click', function () {
      post('enroll', {}).then(function (pending) {
        root.querySelector('[data-field="qr"]').src = pending.qrPng;
        root.querySelector('[data-field="secret"]').textContent = pending.secretBase32Grouped;
        root.querySelector('[data-field="start"]').hidden = true;
        root.querySelector('[data-field="pending"]').hidden = false;
        root.querySelector('#tf-confirm-code').focus();
      }, explain);
    });
    root.querySelector('[data-form="confirm"]').addEventListener('submit', function (event) {
      event.preventDefault();
      var code = root.querySelector('#tf-confirm-code');
      post('enroll/confirm', { code: code.value.trim(), rd: rd }).then(
        function (done) {
          var list = root.querySelector('[data-field="codes"]');
          done.backupCodes.forEach(function (backupCode) {
            var item = document.createElement('li');
            item.textContent = backupCode;
            list.appendChild(item);
          });
          root.querySelector('[data-action="continue"]').setAttribute('href', done.redirect);
          root.querySelector('[data-field="pending"]').hidden = true;
          root.querySelector('[data-field="codes-shown"]').hidden = false;
        },
        function (error) {
          code.value = '';
          explain(error);
        },
      );
    });
  }

  root.querySelectorAll('[data-action="approve"], [data-action="deny"]').forEach(function (button) {
    button.addEventListener('click', function () {
      var decision = button.getAttribute('data-action');
      post('approvals/' + encodeURIComponent(button.getAttribute('data-id')), { decision: decision }).then(function (answer) {
        var item = button.closest('[data-approval]');
        item.textContent = answer.state === 'approved' ? 'Approved: the client may go on now.' : 'Denied.';
        item.setAttribute('data-state', answer.state);
      }, explain);
    });
  });
})();

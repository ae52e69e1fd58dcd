/*
 * The gate's page on the Data Center host (/twofold/verify): a code, backup code or email code, the
 * access pass, the first set-up of a required user, and answers to waiting Git or REST clients. Calls go to the same origin (relative
 * URLs under /twofold/), with the Data Center session cookie; the answer sets the twofold_gate cookie.
 */
(function () {
  'use strict';
  var root = document.querySelector('[data-gate]');
  if (!root) return;
  var rd = root.getAttribute('data-rd') || '/';
  var message = root.querySelector('[data-message]');
  /** What the verify form sends: the app's code, a backup code, or the code from the email. */
  var inputMode = 'code';
  var POLL_MS = 1000;

  function say(title, body, code) {
    message.querySelector('[data-message-title]').textContent = title;
    message.querySelector('[data-message-body]').textContent = body || '';
    message.setAttribute('data-code', code || '');
    message.hidden = false;
  }
  function post(path, body) {
    return call(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
    });
  }
  function get(path) {
    return call(path, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  }
  function call(path, init) {
    return fetch(path, init).then(function (response) {
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
      too_many_emails: 'Too many emails',
      email_hidden: 'No email address',
      mail_not_configured: 'Email is not available',
      method_disabled: 'Not offered on this site',
      no_device: 'No phone paired',
      rate_limited: 'Too many requests',
    };
    say(titles[error.code] || 'Could not do that', error.message, error.code);
  }

  var verifyForm = root.querySelector('[data-form="verify"]');
  if (verifyForm) {
    var input = verifyForm.querySelector('input');
    var toggle = root.querySelector('[data-action="toggle-backup"]');
    var emailButton = root.querySelector('[data-action="email-code"]');
    var emailSent = root.querySelector('[data-field="email-sent"]');
    var labels = { code: 'Code from your app or token', backup: 'Backup code', email: 'Code from the email' };
    var hints = {
      code: 'The code your authenticator app or token shows now.',
      backup: 'One of the backup codes you saved when you set up two-step verification. Each works once.',
      email: 'The 8-digit code in the email. It works once.',
    };
    var setMode = function (mode) {
      inputMode = mode;
      if (toggle) {
        toggle.setAttribute('aria-pressed', String(mode === 'backup'));
        toggle.textContent = mode === 'code' ? 'Use a backup code instead' : 'Use a code from your app or token';
      }
      root.querySelector('[data-field="label"]').textContent = labels[mode];
      root.querySelector('[data-field="hint"]').textContent = hints[mode];
      input.setAttribute('inputmode', mode === 'backup' ? 'text' : 'numeric');
      if (mode !== 'email') emailSent.hidden = true;
      input.value = '';
      input.focus();
    };
    if (toggle) {
      toggle.addEventListener('click', function () {
        setMode(inputMode === 'code' ? 'backup' : 'code');
      });
    }
    if (emailButton) {
      emailButton.addEventListener('click', function () {
        emailButton.disabled = true;
        post('email-code', {}).then(
          function (sent) {
            setMode('email');
            var until = new Date(sent.expiresAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
            emailSent.textContent = 'We sent a code to ' + sent.sentTo + '. It works once, until ' + until + '. Type it here.';
            emailSent.hidden = false;
            emailButton.textContent = 'Send another code';
            emailButton.disabled = false;
          },
          function (error) {
            emailButton.disabled = false;
            explain(error);
          },
        );
      });
    }
    verifyForm.addEventListener('submit', function (event) {
      event.preventDefault();
      var value = input.value.trim();
      var body = inputMode === 'backup' ? { backupCode: value, rd: rd } : inputMode === 'email' ? { emailCode: value, rd: rd } : { code: value, rd: rd };
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

  var pass = root.querySelector('[data-access-pass]');
  if (pass) {
    var ask = pass.querySelector('[data-action="access-pass"]');
    var symbol = pass.querySelector('[data-field="symbol"]');
    var passStatus = pass.querySelector('[data-field="access-pass-status"]');
    var timer = null;
    var finish = function (text) {
      clearTimeout(timer);
      symbol.hidden = true; // the request is over: its symbol must not be compared any more
      passStatus.textContent = text;
      ask.disabled = false;
      ask.textContent = 'Ask my phone again';
    };
    var poll = function (challengeId) {
      get('access-pass/' + encodeURIComponent(challengeId) + '?rd=' + encodeURIComponent(rd)).then(
        function (result) {
          if (result.state === 'pending') {
            timer = setTimeout(function () {
              poll(challengeId);
            }, POLL_MS);
            return;
          }
          if (result.state === 'approved' && result.redirect) return window.location.assign(result.redirect);
          if (result.state === 'approved') return finish('Approved, but another window of this page took the approval. Reload the page.');
          if (result.state === 'denied') return finish('The request was denied on your phone (or the wrong symbol was tapped).');
          finish('The request expired. Ask your phone again.');
        },
        function (error) {
          finish(error.message || 'That did not work. Try again.');
        },
      );
    };
    ask.addEventListener('click', function () {
      ask.disabled = true;
      clearTimeout(timer);
      post('access-pass', {}).then(
        function (created) {
          pass.querySelector('[data-access-pass-wait]').hidden = false;
          var prompt = pass.querySelector('[data-field="access-pass-prompt"]');
          if (created.symbol && window.Twofold && window.Twofold.symbolSvg) {
            prompt.textContent = 'Open the Twofold companion on your phone and tap this symbol:';
            symbol.innerHTML = (window.Twofold.symbolSvg(created.symbol.id) || '') + '<figcaption></figcaption>';
            symbol.querySelector('figcaption').textContent = created.symbol.name;
            symbol.setAttribute('data-symbol', created.symbol.id);
            symbol.hidden = false;
          } else {
            prompt.textContent = 'Open the Twofold companion on your phone and approve the request.';
            symbol.hidden = true;
          }
          var until = new Date(created.expiresAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
          passStatus.textContent = 'Waiting for your phone… (until ' + until + ')';
          poll(created.challengeId);
        },
        function (error) {
          ask.disabled = false;
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

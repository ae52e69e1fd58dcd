/*
 * "Verify it's you": a code from the app or token, or a backup code. Clear messages for a wrong code
 * (with the attempts left; the input emptied for the next try), a code already used, and a lockout
 * (with the time to wait, counting down), shown on load too when GET /api/v1/me says `lockedUntil`.
 */
(function () {
  'use strict';
  var root = document.querySelector('[data-verify]');
  if (!root) return;
  var api = window.Twofold.api;
  var form = root.querySelector('[data-form="verify"]');
  var input = root.querySelector('#tf-code');
  var submit = form.querySelector('[type=submit]');
  var toggle = root.querySelector('[data-action="toggle-backup"]');
  var message = root.querySelector('[data-message]');
  var backupMode = false;
  // Typing a code that came by email (after "Email me a code"), or the user's only method is email.
  var emailMode = false;
  var emailButton = root.querySelector('[data-action="email-code"]');
  var lockTimer = null;
  // The user's own app or token settings, once GET /api/v1/me has told them.
  var totp = null;

  function field(name) {
    return root.querySelector('[data-field="' + name + '"]');
  }
  function show(section) {
    root.querySelectorAll('[data-section]').forEach(function (el) {
      el.hidden = el.getAttribute('data-section') !== section;
    });
    root.querySelector('.tf-verify-card').hidden = section !== null;
    root.setAttribute('data-state', section || 'ready');
    if (window.AP && window.AP.resize) window.AP.resize();
  }
  function formatTime(date) {
    var sameDay = date.toDateString() === new Date().toDateString();
    return sameDay ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : date.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
  }
  function say(kind, title, body, code) {
    message.className = 'tf-banner tf-banner--' + kind;
    message.querySelector('[data-message-title]').textContent = title;
    message.querySelector('[data-message-body]').textContent = body || '';
    message.setAttribute('data-code', code || '');
    message.hidden = false;
    if (window.AP && window.AP.resize) window.AP.resize();
  }
  function quiet() {
    message.hidden = true;
    message.setAttribute('data-code', '');
  }
  function digitsText(digits) {
    return digits ? digits + '-digit' : '6- or 8-digit';
  }
  function codeHint() {
    return totp
      ? 'The ' + digitsText(totp.digits) + ' code changes every ' + totp.period + ' seconds.'
      : 'The 6- or 8-digit code changes every 30 or 60 seconds.';
  }

  /** The form takes the 8-digit code from the email (`{emailCode}`) until the user picks another way. */
  function setEmailMode(on, sentTo, expiresAt) {
    emailMode = on;
    if (on) backupMode = false;
    toggle.setAttribute('aria-pressed', 'false');
    toggle.textContent = 'Use a backup code instead';
    field('label').textContent = on ? 'Code from the email' : 'Code from your app or token';
    field('hint').textContent = on ? 'The 8-digit code in the email from Twofold. It works once.' : codeHint();
    input.setAttribute('inputmode', 'numeric');
    input.setAttribute('autocomplete', 'one-time-code');
    var sent = field('email-sent');
    if (on && sentTo) {
      sent.textContent =
        'We sent a code to ' + sentTo + '. It works once, until ' + formatTime(new Date(expiresAt)) + '. The email has no links: type the code here.';
      sent.hidden = false;
    } else if (!on) {
      sent.hidden = true;
    }
    input.value = '';
    quiet();
    input.focus();
  }

  function explainEmail(error) {
    switch (error.code) {
      case 'too_many_emails': {
        var wait = error.retryAfter || (error.details && error.details.retryAfterSeconds) || 60;
        var minutes = Math.ceil(wait / 60);
        return say(
          'warning',
          'Enough codes sent for now',
          'Use the code in the last email, or ask again in ' + minutes + (minutes === 1 ? ' minute.' : ' minutes.'),
          error.code,
        );
      }
      case 'email_hidden':
        return say('error', 'Jira does not share your email address', error.message, error.code);
      case 'mail_not_configured':
        return say('error', 'Email is not available on this site', error.message, error.code);
      case 'method_disabled':
        return say('error', 'Email codes are turned off', error.message, error.code);
      default:
        return say('error', 'The email could not be sent', error.message || 'Try again.', error.code);
    }
  }

  function setBackupMode(on) {
    backupMode = on;
    if (on && emailMode) setEmailMode(false);
    toggle.setAttribute('aria-pressed', String(on));
    toggle.textContent = on ? 'Use a code from your app or token' : 'Use a backup code instead';
    field('label').textContent = on ? 'Backup code' : 'Code from your app or token';
    field('hint').textContent = on ? 'One of the codes you saved when you set up two-step verification, like ABCDE-23456.' : codeHint();
    input.setAttribute('inputmode', on ? 'text' : 'numeric');
    input.setAttribute('autocomplete', on ? 'off' : 'one-time-code');
    input.value = '';
    quiet();
    input.focus();
  }

  function lockFor(seconds) {
    lockUntil(new Date(Date.now() + seconds * 1000));
  }

  /** Locked out until `until`: the form is off, the wait counts down, and the form comes back when it ends. */
  function lockUntil(until) {
    field('session').hidden = true;
    submit.disabled = true;
    input.disabled = true;
    clearInterval(lockTimer);
    var tick = function () {
      var left = Math.max(0, Math.ceil((until.getTime() - Date.now()) / 1000));
      if (left === 0) {
        clearInterval(lockTimer);
        submit.disabled = false;
        input.disabled = false;
        say('info', 'You can try again now', 'Type the code your app or token shows now.', 'unlocked');
        input.focus();
        return;
      }
      var minutes = Math.floor(left / 60);
      var wait = minutes > 0 ? minutes + ' min ' + (left % 60) + ' s' : left + ' s';
      say('error', 'Too many wrong codes', 'For your safety, verification is paused. Try again in ' + wait + ' (at ' + formatTime(until) + ').', 'locked_out');
    };
    tick();
    lockTimer = setInterval(tick, 1000);
  }

  /** After a refused code: the input is emptied and focused for the next one (a lockout disables it instead). */
  function retype() {
    input.value = '';
    if (!input.disabled) input.focus();
  }

  function explain(error) {
    if (error.code !== 'not_enrolled') retype();
    switch (error.code) {
      case 'invalid_code': {
        var left = error.details && typeof error.details.attemptsLeft === 'number' ? error.details.attemptsLeft : null;
        var body = backupMode
          ? 'Check the code and type it again; each backup code works once.'
          : 'Check that you use the entry for this site and that the time on your phone or token is right.';
        if (left !== null) body += ' ' + left + (left === 1 ? ' attempt left.' : ' attempts left.');
        return say('error', 'That code is not right', body, 'invalid_code');
      }
      case 'code_reused':
        return say(
          'warning',
          'That code was already used',
          backupMode ? 'Each backup code works once. Use another one.' : 'Wait for your app or token to show the next code, then type that one.',
          'code_reused',
        );
      case 'locked_out':
        return lockFor(error.retryAfter || (error.details && error.details.retryAfterSeconds) || 60);
      case 'not_enrolled':
        return show('not-enrolled');
      case 'method_disabled':
        return say('error', emailMode ? 'Email codes are turned off' : 'Backup codes are turned off', error.message, error.code);
      case 'invalid_request': {
        // A typing slip costs no attempt; say what a code looks like (the server knows the digits too).
        var digits = (totp && totp.digits) || (error.details && error.details.digits);
        var typedBackup = backupMode || (error.details && error.details.fields && error.details.fields[0] && error.details.fields[0].field === 'backupCode');
        if (emailMode) return say('error', 'That is not a code', 'Type the 8-digit code from the email.', error.code);
        return say(
          'error',
          'That is not a code',
          typedBackup ? 'A backup code looks like ABCDE-23456.' : 'Type the ' + digitsText(digits) + ' code your app or token shows.',
          error.code,
        );
      }
      default:
        return say('error', 'That did not work', error.message || 'Try again.', error.code);
    }
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var typed = input.value.trim();
    if (!typed)
      return say(
        'error',
        'Type a code first',
        backupMode ? 'A backup code looks like ABCDE-23456.' : 'Type the ' + digitsText(totp && totp.digits) + ' code your app or token shows.',
        'invalid_request',
      );
    submit.disabled = true;
    quiet();
    api
      .post('/api/v1/me/verify', emailMode ? { emailCode: typed } : backupMode ? { backupCode: typed } : { code: typed })
      .then(
        function (result) {
          input.value = '';
          var left = typeof result.backupCodesLeft === 'number' ? result.backupCodesLeft : null;
          field('until').textContent =
            ' You stay verified in this browser until ' +
            formatTime(new Date(result.verifiedUntil)) +
            '.' +
            (left === null
              ? ''
              : ' ' +
                (left === 0
                  ? 'That was your last backup code: generate new ones on the "Two-step verification" page.'
                  : left + (left === 1 ? ' backup code left.' : ' backup codes left.') + (left <= 3 ? ' Generate new ones soon.' : '')));
          show('success');
        },
        function (error) {
          input.value = ''; // a wrong code does not stay in the field
          explain(error);
        },
      )
      .then(function () {
        if (!input.disabled) submit.disabled = false;
      });
  });

  toggle.addEventListener('click', function () {
    setBackupMode(!backupMode);
  });
  emailButton.addEventListener('click', function () {
    emailButton.disabled = true;
    quiet();
    api
      .post('/api/v1/me/email-code', {})
      .then(function (sent) {
        setEmailMode(true, sent.sentTo, sent.expiresAt);
        emailButton.textContent = 'Email me another code';
      }, explainEmail)
      .then(function () {
        emailButton.disabled = false;
      });
  });
  root.addEventListener('click', function (event) {
    var target = event.target.closest('[data-action]');
    if (!target || !window.AP || !window.AP.navigator) return;
    var action = target.getAttribute('data-action');
    if (action === 'setup') window.AP.navigator.go('addonmodule', { moduleKey: 'twofold-my-verification' });
    if (action === 'continue') window.AP.navigator.go('home');
  });

  // Tell the user where they stand; a failure here changes nothing about verifying.
  api.get('/api/v1/me').then(
    function (me) {
      var email = me.methods && me.methods.indexOf('email') >= 0;
      emailButton.hidden = !email;
      if (!me.enrolled && !email) return show('not-enrolled');
      if (!me.enrolled) {
        // Email is this user's only way to verify: the form takes email codes only, and says so.
        toggle.hidden = true;
        setEmailMode(true);
        var lead = document.querySelector('.tf-lead');
        if (lead) lead.textContent = 'Ask for a code by email, then type it here.';
        root.querySelector('[data-testid=lost-both]').textContent = 'No email arrives? Check your spam folder, or ask your Jira administrator.';
      }
      if (me.totp) {
        totp = { digits: me.totp.digits, period: me.totp.period };
        if (!backupMode) field('hint').textContent = codeHint();
      }
      // Locked out already (wrong codes earlier, here or in another tab): say so and until when, form off.
      if (me.lockedUntil && Date.parse(me.lockedUntil) > Date.now()) return lockUntil(new Date(me.lockedUntil));
      if (me.verifiedUntil) {
        var session = field('session');
        session.textContent = 'This browser is verified until ' + formatTime(new Date(me.verifiedUntil)) + '. Verify again to extend it.';
        session.hidden = false;
      }
    },
    function () {},
  );
})();

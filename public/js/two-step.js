/*
 * "Two-step verification": status, set up (QR, base32, hex, confirm), backup codes shown once with an
 * "I wrote them down" acknowledgement, new backup codes, replace and remove. Replacing or removing the
 * app or token, and new backup codes, need a code entered for that change: the page asks for it and
 * sends it with the change ({code} or {backupCode}); a wrong one is answered in place and cleared.
 * Every call goes through Twofold.api (context token from AP.context.getToken, this browser's session).
 */
(function () {
  'use strict';
  var root = document.querySelector('[data-two-step]');
  if (!root) return;
  var api = window.Twofold.api;
  var me = null;
  var shownCodes = [];
  var resume = null; // what to do after a successful step-up
  var resumeSection = 'on';

  function $(selector) {
    return root.querySelector(selector);
  }
  function field(name) {
    return root.querySelector('[data-field="' + name + '"]');
  }

  function show(section) {
    root.querySelectorAll('[data-section]').forEach(function (el) {
      el.hidden = el.getAttribute('data-section') !== section;
    });
    root.setAttribute('data-state', section);
    var focus = root.querySelector('[data-section="' + section + '"] input:not([type=checkbox]), [data-section="' + section + '"] h2');
    if (focus && focus.tagName === 'INPUT') focus.focus();
    if (window.AP && window.AP.resize) window.AP.resize();
  }

  function flash(kind, title, body) {
    window.Twofold.showBanner($('[data-flash]'), kind, title, body);
  }
  function clearFlash() {
    $('[data-flash]').hidden = true;
  }

  function fieldError(name, message) {
    var el = root.querySelector('[data-error="' + name + '"]');
    el.textContent = message || '';
    el.hidden = !message;
  }

  function formatTime(iso) {
    if (!iso) return '';
    var date = new Date(iso);
    var sameDay = date.toDateString() === new Date().toDateString();
    return sameDay ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : date.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
  }
  function formatDate(iso) {
    return iso ? new Date(iso).toLocaleDateString([], { dateStyle: 'medium' }) : '';
  }
  function describeParams(p) {
    var algorithm = { SHA1: 'SHA-1', SHA256: 'SHA-256', SHA512: 'SHA-512' }[p.algorithm] || p.algorithm;
    return 'TOTP · ' + algorithm + ' · ' + p.digits + ' digits · ' + p.period + ' s';
  }

  function messageFor(error) {
    switch (error.code) {
      case 'invalid_code':
        return error.message;
      case 'code_reused':
        return 'That code was already used. Wait for the next one from your app or token.';
      case 'locked_out':
        return 'Too many wrong codes. Try again in ' + Math.ceil((error.retryAfter || 60) / 60) + ' minute(s).';
      case 'invalid_request':
        return 'Type the code your app or token shows now.';
      default:
        return error.message || 'Something went wrong. Try again.';
    }
  }

  function load() {
    return api.get('/api/v1/me').then(
      function (status) {
        me = status;
        render();
      },
      function (error) {
        field('load-error').textContent = ' ' + (error.message || '');
        show('error');
      },
    );
  }

  function render() {
    if (!me.enrolled) {
      field('required').hidden = !me.required;
      show('off');
      return;
    }
    field('id').textContent = me.twoFactorId;
    field('totp').textContent = describeParams(me.totp) + (me.totp.confirmedAt ? ', since ' + formatDate(me.totp.confirmedAt) : '');
    field('verified').textContent = me.verifiedUntil ? 'In this browser until ' + formatTime(me.verifiedUntil) : 'Not verified in this browser';
    var left = me.backupCodes ? me.backupCodes.remaining : null;
    var codesLeft = field('codes-left');
    if (left === null) codesLeft.textContent = 'Backup codes are turned off on this site.';
    else if (left === 0) codesLeft.textContent = 'No backup codes left. Generate new ones so that you are not locked out if you lose your phone or token.';
    else codesLeft.textContent = left + (left === 1 ? ' code left.' : ' codes left.') + (left <= 3 ? ' Running low: generate new ones soon.' : '');
    codesLeft.className = left !== null && left <= 3 ? 'tf-warning-text' : '';
    $('[data-action="regenerate"]').hidden = left === null;
    show('on');
  }

  /** What the user typed, as the API takes it: six to eight digits are a TOTP code, else a backup code. */
  function proofOf(code) {
    var compact = code.replace(/[\s-]+/g, '');
    return /^\d{6,8}$/.test(compact) ? { code: compact } : { backupCode: code.trim() };
  }

  /** Asks for a code for `purpose`, then runs `action(proof)`; `from`: the section Cancel goes back to. */
  function askCode(purpose, action, from) {
    resume = action;
    resumeSection = from;
    field('stepup-purpose').textContent = purpose;
    $('#tf-stepup-code').value = '';
    fieldError('stepup', '');
    show('stepup');
    return Promise.resolve(null);
  }

  function startSetup() {
    clearFlash();
    var body = {};
    ['algorithm', 'digits', 'period'].forEach(function (name) {
      var value = field(name) && field(name).value;
      if (value) body[name] = name === 'algorithm' ? value : Number(value);
    });
    var start = function (proof) {
      return api.post('/api/v1/me/totp', Object.assign({}, body, proof || {})).then(showSetup);
    };
    // Replacing a working app or token needs a code of the old one; a first set-up does not.
    if (me && me.enrolled) return askCode('set up a new app or token', start, 'on');
    return start(null);
  }

  function showSetup(enrollment) {
    field('qr').src = enrollment.qrPng;
    field('base32').textContent = enrollment.secretBase32Grouped;
    field('hex').textContent = enrollment.secretHex;
    field('label').textContent = enrollment.twoFactorId;
    field('issuer').textContent = enrollment.issuer;
    field('params').textContent = describeParams(enrollment);
    var input = $('#tf-confirm-code');
    input.value = '';
    input.setAttribute('placeholder', enrollment.digits === 8 ? '12345678' : '123456');
    fieldError('confirm', '');
    show('setup');
  }

  /**
   * Sends the code typed into form `name` (its input #tf-<name>-code, its error [data-error=<name>])
   * with `send(code)`, the form's button disabled until that settles; an empty input is answered here.
   */
  function onCode(name, send) {
    $('[data-form="' + name + '"]').addEventListener('submit', function (event) {
      event.preventDefault();
      var code = $('#tf-' + name + '-code').value.trim();
      if (!code) return fieldError(name, 'Type the code your app or token shows now.');
      var button = event.submitter || $('[data-form="' + name + '"] [type=submit]');
      button.disabled = true;
      send(code).then(function () {
        button.disabled = false;
      });
    });
  }

  function confirmSetup(code) {
    return api.post('/api/v1/me/totp/confirm', { code: code }).then(
      function (result) {
        // The key is not needed any more: take it off the page.
        field('base32').textContent = '';
        field('hex').textContent = '';
        field('qr').removeAttribute('src');
        shownCodes = result.backupCodes || [];
        if (shownCodes.length === 0) return finish();
        showCodes();
      },
      function (error) {
        $('#tf-confirm-code').value = ''; // a wrong code does not stay in the field
        fieldError('confirm', error.code === 'no_pending_enrollment' ? error.message : messageFor(error));
      },
    );
  }

  function showCodes() {
    var list = field('codes');
    list.textContent = '';
    shownCodes.forEach(function (code) {
      var item = document.createElement('li');
      item.textContent = code;
      list.appendChild(item);
    });
    field('ack').checked = false;
    $('[data-action="finish"]').disabled = true;
    show('codes');
  }

  function finish() {
    shownCodes = [];
    field('codes').textContent = '';
    return load().then(function () {
      flash('success', 'All set', 'From now on Twofold asks for a code from your app or token before its own pages and settings. Keep your backup codes safe.');
    });
  }

  function copy(text, what) {
    var done = function () {
      flash('success', what + ' copied', '');
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, function () {
        flash('warning', 'Copying is blocked here', 'Select the text and copy it yourself.');
      });
    } else {
      flash('warning', 'Copying is blocked here', 'Select the text and copy it yourself.');
    }
  }

  function download() {
    var text = (root.getAttribute('data-service-name') || 'Jira') + ' backup codes (each works once)\n\n' + shownCodes.join('\n') + '\n';
    var link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    link.download = 'backup-codes.txt';
    document.body.appendChild(link);
    link.click();
    setTimeout(function () {
      URL.revokeObjectURL(link.href);
      link.remove();
    }, 1000);
  }

  /** Whether `error` is about the code typed (answered at the field), not about the change. */
  function codeProblem(error) {
    return ['invalid_code', 'code_reused', 'locked_out', 'invalid_request', 'method_disabled'].indexOf(error.code) >= 0;
  }

  /** Sends the change `action(proof)` with the code typed into form `name`; a code problem is answered there. */
  function withCode(name, action) {
    return function (code) {
      fieldError(name, '');
      return action(proofOf(code))
        .catch(function (error) {
          if (!codeProblem(error)) throw error;
          $('#tf-' + name + '-code').value = ''; // a wrong code does not stay in the field
          fieldError(name, messageFor(error));
        })
        .catch(function (error) {
          show('on');
          fail(error);
        });
    };
  }

  function regenerate(proof) {
    return api.post('/api/v1/me/backup-codes', proof).then(function (result) {
      shownCodes = result.backupCodes;
      showCodes();
    });
  }

  function remove(proof) {
    return api.del('/api/v1/me/totp', proof).then(function () {
      return load().then(function () {
        flash('info', 'Two-step verification is off', 'Your app or token and your backup codes no longer work here.');
      });
    });
  }

  function submitStepUp(code) {
    var action = resume;
    if (!action) return load();
    fieldError('stepup', '');
    return action(proofOf(code))
      .then(
        function () {
          resume = null;
        },
        function (error) {
          if (!codeProblem(error)) throw error;
          $('#tf-stepup-code').value = ''; // a wrong code does not stay in the field
          fieldError('stepup', messageFor(error));
        },
      )
      .catch(function (error) {
        resume = null;
        show(resumeSection);
        flash('error', 'That did not work', error.message);
      });
  }

  function fail(error) {
    flash('error', 'That did not work', error.message || 'Try again.');
  }

  root.addEventListener('click', function (event) {
    var target = event.target.closest('[data-action], [data-copy]');
    if (!target) return;
    var copyField = target.getAttribute('data-copy');
    if (copyField) return copy(field(copyField).textContent.replace(/\s+/g, ''), 'Key');
    switch (target.getAttribute('data-action')) {
      case 'reload':
        show('loading');
        load();
        break;
      case 'start':
      case 'replace':
        startSetup().catch(fail);
        break;
      case 'cancel-setup':
        api
          .del('/api/v1/me/totp/pending')
          .catch(function () {})
          .then(load);
        break;
      case 'copy-codes':
        copy(shownCodes.join('\n'), 'Backup codes');
        break;
      case 'download-codes':
        download();
        break;
      case 'finish':
        finish().catch(fail);
        break;
      case 'regenerate':
        clearFlash();
        $('#tf-regenerate-code').value = '';
        fieldError('regenerate', '');
        show('regenerate-confirm');
        break;
      case 'remove':
        clearFlash();
        field('remove-required').hidden = !(me && me.required);
        $('#tf-remove-code').value = '';
        fieldError('remove', '');
        show('remove-confirm');
        break;
      case 'back':
        resume = null;
        render();
        break;
    }
  });
  field('ack').addEventListener('change', function () {
    $('[data-action="finish"]').disabled = !field('ack').checked;
  });
  onCode('confirm', confirmSetup);
  onCode('stepup', submitStepUp);
  onCode('regenerate', withCode('regenerate', regenerate));
  onCode('remove', withCode('remove', remove));

  load();
})();

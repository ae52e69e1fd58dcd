/*
 * Onboarding as a required action: the user must set up two-step verification before the Twofold page
 * they opened loads. Optional steps, as the policy says: pick a 2FA ID (checked as they type, through
 * GET /api/v1/me/id-availability), confirm the email address with an emailed code. Then the QR
 * enrollment; once confirmed, the page reloads and shows what the user asked for.
 */
(function () {
  'use strict';
  var root = document.querySelector('[data-onboarding]');
  if (!root) return;
  var api = window.Twofold.api;
  var chooseId = root.getAttribute('data-choose-id') === 'true';
  var confirmEmail = root.getAttribute('data-confirm-email') === 'true';
  var idInput = root.querySelector('#tf-onboarding-id');
  var availability = field('availability');
  var idState = chooseId ? 'yours' : null;
  var checkTimer = null;
  var checkSeq = 0;

  function field(name) {
    return root.querySelector('[data-field="' + name + '"]');
  }
  function form(name) {
    return root.querySelector('[data-form="' + name + '"]');
  }
  function error(name, text) {
    var el = root.querySelector('[data-error="' + name + '"]');
    el.textContent = text || '';
    el.hidden = !text;
    resize();
  }
  function resize() {
    if (window.AP && window.AP.resize) window.AP.resize();
  }
  function formatTime(date) {
    return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }
  root.querySelectorAll('[data-step-number]').forEach(function (el, index) {
    el.textContent = String(index + 1);
  });

  var ID_WORDS = {
    available: 'Available.',
    yours: 'This is your ID.',
    taken: 'Taken: another user of this site has it. Pick another.',
  };
  function showAvailability(state, text) {
    idState = state;
    availability.setAttribute('data-state', state);
    availability.className = 'tf-help tf-availability tf-availability--' + state;
    availability.textContent = text;
  }
  function checkId() {
    var typed = idInput.value;
    var seq = ++checkSeq;
    if (typed.trim() === idInput.getAttribute('data-initial')) return showAvailability('yours', ID_WORDS.yours);
    if (typed.trim() === '') return showAvailability('invalid', 'Type an ID.');
    showAvailability('checking', 'Checking…');
    api.get('/api/v1/me/id-availability?id=' + encodeURIComponent(typed)).then(
      function (answer) {
        if (seq !== checkSeq) return; // an older answer, overtaken by typing
        showAvailability(answer.state, answer.state === 'invalid' ? answer.reason : ID_WORDS[answer.state]);
      },
      function (failure) {
        if (seq !== checkSeq) return;
        if (failure.code === 'rate_limited') {
          showAvailability('checking', 'Checking again in a moment…');
          clearTimeout(checkTimer);
          checkTimer = setTimeout(checkId, (failure.retryAfter || 5) * 1000);
          return;
        }
        showAvailability('invalid', failure.message || 'The ID could not be checked.');
      },
    );
  }
  if (chooseId) {
    idInput.addEventListener('input', function () {
      clearTimeout(checkTimer);
      checkTimer = setTimeout(checkId, 300);
    });
  }

  /** Saves a chosen ID before the key is made, so that the authenticator entry carries it. */
  function saveId() {
    if (!chooseId || idInput.value.trim() === idInput.getAttribute('data-initial')) return Promise.resolve();
    if (idState !== 'available') {
      return Promise.reject({ message: idState === 'taken' ? ID_WORDS.taken : 'Pick an ID that is available first.' });
    }
    return api.put('/api/v1/me/two-factor-id', { twoFactorId: idInput.value.trim() }).then(function (saved) {
      idInput.value = saved.twoFactorId;
      idInput.setAttribute('data-initial', saved.twoFactorId);
      idInput.disabled = true;
      showAvailability('yours', ID_WORDS.yours);
    });
  }

  if (confirmEmail) {
    var sendButton = root.querySelector('[data-action="send-email"]');
    sendButton.addEventListener('click', function () {
      sendButton.disabled = true;
      error('email', '');
      api
        .post('/api/v1/me/email-code', { purpose: 'confirm_email' })
        .then(
          function (sent) {
            var note = field('email-sent');
            note.textContent = 'We sent a code to ' + sent.sentTo + '. It works once, until ' + formatTime(new Date(sent.expiresAt)) + '.';
            note.hidden = false;
            form('email').hidden = false;
            sendButton.textContent = 'Email me another code';
            root.querySelector('#tf-onboarding-email-code').focus();
          },
          function (failure) {
            error('email', failure.message);
          },
        )
        .then(function () {
          sendButton.disabled = false;
          resize();
        });
    });
    form('email').addEventListener('submit', function (event) {
      event.preventDefault();
      var input = root.querySelector('#tf-onboarding-email-code');
      error('email', '');
      api.post('/api/v1/me/email/confirm', { emailCode: input.value.trim() }).then(
        function () {
          form('email').hidden = true;
          sendButton.hidden = true;
          field('email-sent').hidden = true;
          field('email-done').hidden = false;
          root.querySelector('[data-action="start"]').disabled = false;
          var hint = field('start-hint');
          if (hint) hint.hidden = true;
          resize();
        },
        function (failure) {
          input.value = '';
          error('email', failure.message);
        },
      );
    });
  }

  var startButton = root.querySelector('[data-action="start"]');
  startButton.addEventListener('click', function () {
    startButton.disabled = true;
    error('setup', '');
    saveId()
      .then(function () {
        return api.post('/api/v1/me/totp', {});
      })
      .then(
        function (pending) {
          field('qr').src = pending.qrPng;
          field('base32').textContent = pending.secretBase32Grouped;
          field('label').textContent = pending.issuer + ': ' + pending.twoFactorId;
          field('setup').hidden = false;
          field('start-row').hidden = true;
          form('confirm').hidden = false;
          if (chooseId) idInput.disabled = true;
          root.querySelector('#tf-onboarding-code').focus();
          resize();
        },
        function (failure) {
          startButton.disabled = false;
          error('setup', failure.message);
        },
      );
  });

  form('confirm').addEventListener('submit', function (event) {
    event.preventDefault();
    var input = root.querySelector('#tf-onboarding-code');
    error('setup', '');
    api.post('/api/v1/me/totp/confirm', { code: input.value.trim() }).then(
      function (result) {
        field('base32').textContent = '';
        field('qr').removeAttribute('src');
        var list = field('codes');
        (result.backupCodes || []).forEach(function (code) {
          var item = document.createElement('li');
          item.textContent = code;
          list.appendChild(item);
        });
        root.querySelectorAll('[data-section]').forEach(function (el) {
          el.hidden = el.getAttribute('data-section') !== 'codes';
        });
        root.setAttribute('data-state', 'done');
        resize();
      },
      function (failure) {
        input.value = '';
        error('setup', failure.message);
      },
    );
  });

  root.querySelector('[data-action="continue"]').addEventListener('click', function () {
    // The page the user opened: its route now finds a working factor and renders itself. Jira reloads
    // the frame with a fresh page token (the one in this frame's address may have expired).
    if (window.AP && window.AP.navigator && window.AP.navigator.reload) window.AP.navigator.reload();
    else window.location.reload();
  });
})();

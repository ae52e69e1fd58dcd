/*
 * "Approve on my phone" on the Verify page (the access pass): asks for a challenge, shows its symbol,
 * and polls about every 700 ms, so that the page learns the phone's answer within a second. When it is
 * approved, the poll's answer carries this browser's session credential (kept by twofold-api.js) as
 * POST /api/v1/me/verify gives it, and the page shows the same "You're verified" as for a code.
 */
(function () {
  'use strict';
  var POLL_MS = 700;
  var root = document.querySelector('[data-verify]');
  var box = root && root.querySelector('[data-access-pass]');
  if (!box) return;
  var api = window.Twofold.api;
  var start = box.querySelector('[data-action="access-pass"]');
  var wait = box.querySelector('[data-access-pass-wait]');
  var symbol = box.querySelector('[data-field="symbol"]');
  var status = box.querySelector('[data-field="access-pass-status"]');
  var timer = null;

  function resize() {
    if (window.AP && window.AP.resize) window.AP.resize();
  }
  function finish(text) {
    clearTimeout(timer);
    timer = null;
    symbol.hidden = true; // the request is over: its symbol must not be compared any more
    status.textContent = text;
    start.disabled = false;
    start.textContent = 'Ask my phone again';
    resize();
  }
  function verified(result) {
    var card = root.querySelector('.tf-verify-card');
    var success = root.querySelector('[data-section="success"]');
    var until = new Date(result.verifiedUntil);
    var sameDay = until.toDateString() === new Date().toDateString();
    var when = sameDay
      ? until.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
      : until.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
    success.querySelector('[data-field="until"]').textContent = ' You stay verified in this browser until ' + when + '.';
    root.querySelectorAll('[data-section]').forEach(function (el) {
      el.hidden = el !== success;
    });
    card.hidden = true;
    root.setAttribute('data-state', 'success');
    resize();
  }
  function poll(challengeId) {
    api.get('/api/v1/me/access-pass/' + challengeId).then(
      function (result) {
        if (result.state === 'pending') {
          timer = setTimeout(function () {
            poll(challengeId);
          }, POLL_MS);
          return;
        }
        if (result.state === 'approved' && result.sessionToken) return verified(result);
        if (result.state === 'approved') return finish('Approved, but this page had already been verified from another window. Reload the page.');
        if (result.state === 'denied') return finish('The request was denied on your phone (or the wrong symbol was tapped).');
        finish('The request expired. Ask your phone again.');
      },
      function (error) {
        if (error.code === 'locked_out') return finish('Too many failed attempts: verification is paused for now. Try again later.');
        finish(error.message || 'That did not work. Try again.');
      },
    );
  }
  start.addEventListener('click', function () {
    start.disabled = true;
    clearTimeout(timer);
    api.post('/api/v1/me/access-pass').then(
      function (created) {
        wait.hidden = false;
        if (created.symbol) {
          box.querySelector('[data-field="access-pass-prompt"]').textContent = 'Open the Twofold companion on your phone and tap this symbol:';
          symbol.innerHTML = (window.Twofold.symbolSvg(created.symbol.id) || '') + '<figcaption></figcaption>';
          symbol.querySelector('figcaption').textContent = created.symbol.name;
          symbol.setAttribute('data-symbol', created.symbol.id);
          symbol.hidden = false;
        } else {
          box.querySelector('[data-field="access-pass-prompt"]').textContent = 'Open the Twofold companion on your phone and approve the request.';
          symbol.hidden = true;
        }
        status.textContent =
          'Waiting for your phone… (until ' + new Date(created.expiresAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) + ')';
        resize();
        poll(created.challengeId);
      },
      function (error) {
        wait.hidden = false;
        symbol.hidden = true;
        finish(error.code === 'no_device' ? 'No phone is paired yet: pair one on the "Two-step verification" page.' : error.message);
      },
    );
  });

  // Offered only to a user with a paired phone, on a site whose policy allows it.
  api.get('/api/v1/me').then(
    function (me) {
      if (me.methods && me.methods.indexOf('access_pass') !== -1) {
        box.hidden = false;
        resize();
      }
    },
    function () {},
  );
})();

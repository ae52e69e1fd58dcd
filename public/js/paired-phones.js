/*
 * The paired phones on the "Two-step verification" page: pair one (a QR code of the pairing URL, valid
 * once for 10 minutes; pairing needs this browser to have verified recently), list them, remove one.
 * The card shows while two-step verification is on and the policy offers "Approve on my phone".
 */
(function () {
  'use strict';
  var card = document.querySelector('[data-phones]');
  var on = document.querySelector('[data-section="on"]');
  if (!card || !on) return;
  var api = window.Twofold.api;
  var offered = false;
  var table = card.querySelector('[data-phones-table]');
  var rows = card.querySelector('[data-phones-list]');
  var none = card.querySelector('[data-phones-none]');
  var pairing = card.querySelector('[data-pairing]');
  var message = card.querySelector('[data-phones-message]');
  var pairButton = card.querySelector('[data-action="pair"]');
  var refreshTimer = null;

  function resize() {
    if (window.AP && window.AP.resize) window.AP.resize();
  }
  function say(title, body) {
    message.querySelector('[data-title]').textContent = title + ' ';
    message.querySelector('[data-body]').textContent = body || '';
    message.hidden = false;
    resize();
  }
  function date(iso) {
    return new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
  }
  function sync() {
    card.hidden = !offered || on.hidden;
    resize();
  }
  function load() {
    return api.get('/api/v1/me/devices').then(function (result) {
      rows.textContent = '';
      result.devices.forEach(function (device) {
        rows.appendChild(
          window.Twofold.deviceRow(device, {
            formatTime: date,
            onRemove: function (button) {
              button.disabled = true;
              api.del('/api/v1/me/devices/' + device.id).then(load, function (error) {
                button.disabled = false;
                say('Could not remove the phone.', error.message);
              });
            },
          }),
        );
      });
      table.hidden = result.devices.length === 0;
      none.hidden = result.devices.length > 0;
      resize();
      return result.devices.length;
    });
  }
  pairButton.addEventListener('click', function () {
    message.hidden = true;
    pairButton.disabled = true;
    api.post('/api/v1/me/devices/pairing').then(
      function (started) {
        pairButton.disabled = false;
        pairButton.textContent = 'Show a new code';
        pairing.querySelector('[data-field="pairing-qr"]').src = started.qrPng;
        pairing.querySelector('[data-field="pairing-link"]').href = started.pairingUrl;
        pairing.querySelector('[data-field="pairing-expires"]').textContent = new Date(started.expiresAt).toLocaleTimeString([], {
          hour: '2-digit',
          minute: '2-digit',
        });
        pairing.hidden = false;
        resize();
        // The list updates when the phone has paired (looked at every few seconds while the code is valid).
        var before = rows.children.length;
        clearInterval(refreshTimer);
        refreshTimer = setInterval(function () {
          if (Date.now() > Date.parse(started.expiresAt)) return clearInterval(refreshTimer);
          load().then(function (count) {
            if (count > before) {
              clearInterval(refreshTimer);
              pairing.hidden = true;
              pairButton.textContent = 'Pair another phone';
              resize();
            }
          });
        }, 3000);
      },
      function (error) {
        pairButton.disabled = false;
        if (error.code === 'verification_required')
          say('Verify it’s you first.', 'Pairing a phone adds a way to sign in, so it needs a recent verification in this browser.');
        else say('Could not start pairing.', error.message);
      },
    );
  });

  new MutationObserver(sync).observe(on, { attributes: true, attributeFilter: ['hidden'] });
  api.get('/api/v1/me').then(
    function (me) {
      offered = me.enrolled && (me.availableMethods || []).indexOf('access_pass') !== -1;
      sync();
      if (offered) load().catch(function () {});
    },
    function () {},
  );
})();

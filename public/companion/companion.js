/*
 * The Twofold companion: a phone pairs from the QR code's URL (`/companion#pair=<token>`), makes a
 * non-extractable ECDSA P-256 key with WebCrypto, keeps it in IndexedDB (the private key never leaves
 * the browser, not even to this script), and registers the public half. It then shows the user's
 * sign-in requests while it is open (polled, and at once when a push arrives or the app comes to the
 * front) with four symbols: tapping one signs `twofold-access-pass\n{challengeId}\n{symbolId}\n
 * {decision}\n{nonce}` and sends it (CONTRACT "Email codes and the access pass").
 */
(function () {
  'use strict';
  var POLL_MS = 2000;
  var DB_NAME = 'twofold-companion';
  var STORE = 'device';
  var root = document.querySelector('[data-app]');
  var list = root.querySelector('[data-list]');
  var empty = root.querySelector('[data-empty]');
  var message = root.querySelector('[data-message]');
  var device = null;
  var pollTimer = null;
  var shown = {}; // challengeId → its card, so that a poll does not redraw a card being tapped
  var busy = false;

  function view(name) {
    root.querySelectorAll('[data-view]').forEach(function (el) {
      el.hidden = el.getAttribute('data-view') !== name;
    });
    root.setAttribute('data-state', name);
  }
  function say(kind, text) {
    message.className = 'c-banner c-banner--' + kind;
    message.textContent = text;
    message.hidden = false;
  }

  // --- IndexedDB: one record, the device (its id, bearer token, name and the CryptoKey pair) ---
  function db() {
    return new Promise(function (resolve, reject) {
      var open = indexedDB.open(DB_NAME, 1);
      open.onupgradeneeded = function () {
        open.result.createObjectStore(STORE);
      };
      open.onsuccess = function () {
        resolve(open.result);
      };
      open.onerror = function () {
        reject(open.error);
      };
    });
  }
  function store(mode, work) {
    return db().then(function (database) {
      return new Promise(function (resolve, reject) {
        var tx = database.transaction(STORE, mode);
        var request = work(tx.objectStore(STORE));
        tx.oncomplete = function () {
          resolve(request && request.result);
        };
        tx.onerror = function () {
          reject(tx.error);
        };
      });
    });
  }
  var loadDevice = function () {
    return store('readonly', function (s) {
      return s.get('current');
    });
  };
  var saveDevice = function (value) {
    return store('readwrite', function (s) {
      return s.put(value, 'current');
    });
  };
  var forgetDevice = function () {
    return store('readwrite', function (s) {
      return s.delete('current');
    });
  };

  // --- the companion API ---
  function call(method, path, body) {
    var headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (device) headers.Authorization = 'Bearer ' + device.deviceToken;
    return fetch('/companion/api/v1' + path, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    }).then(function (response) {
      if (response.status === 204) return null;
      return response.json().then(function (payload) {
        if (response.ok) return payload;
        var error = new Error((payload && payload.error && payload.error.message) || 'Request failed');
        error.status = response.status;
        error.code = payload && payload.error && payload.error.code;
        throw error;
      });
    });
  }
  function base64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var text = '';
    for (var i = 0; i < bytes.length; i += 1) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }
  function sign(request, symbolId, decision) {
    var text = ['twofold-access-pass', request.challengeId, symbolId, decision, request.nonce].join('\n');
    return crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, device.keys.privateKey, new TextEncoder().encode(text)).then(base64url);
  }

  // --- pairing ---
  function pair(token, name) {
    var keys;
    return crypto.subtle
      .generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])
      .then(function (pair) {
        keys = pair;
        return crypto.subtle.exportKey('jwk', pair.publicKey);
      })
      .then(function (jwk) {
        return call('POST', '/devices', { pairingToken: token, name: name, publicKey: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } });
      })
      .then(function (registered) {
        device = { deviceId: registered.deviceId, deviceToken: registered.deviceToken, name: name, keys: keys };
        return saveDevice(device);
      });
  }

  // --- requests ---
  function when(iso) {
    return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }
  function card(request) {
    var node = document.querySelector('[data-template="request"]').content.firstElementChild.cloneNode(true);
    node.setAttribute('data-challenge', request.challengeId);
    node.querySelector('[data-field="user"]').textContent = request.user;
    node.querySelector('[data-field="site"]').textContent = request.site;
    node.querySelector('[data-field="ip"]').textContent = request.ip;
    node.querySelector('[data-field="when"]').textContent = when(request.createdAt) + ' (until ' + when(request.expiresAt) + ')';
    var symbols = node.querySelector('[data-symbols]');
    if (request.symbols.length === 1) node.querySelector('[data-field="prompt"]').textContent = 'Approve only if you are signing in right now.';
    request.symbols.forEach(function (symbol) {
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'c-symbol';
      button.setAttribute('data-symbol', symbol.id);
      button.setAttribute('aria-label', request.symbols.length === 1 ? 'Approve' : symbol.name);
      button.innerHTML = (request.symbols.length === 1 ? '' : window.Twofold.symbolSvg(symbol.id) || '') + '<span></span>';
      button.querySelector('span').textContent = request.symbols.length === 1 ? 'Approve' : symbol.name;
      button.addEventListener('click', function () {
        answer(request, node, symbol.id, 'approve');
      });
      symbols.appendChild(button);
    });
    node.querySelector('[data-action="deny"]').addEventListener('click', function () {
      answer(request, node, '', 'deny');
    });
    return node;
  }
  function answer(request, node, symbolId, decision) {
    if (busy) return;
    busy = true;
    node.querySelectorAll('button').forEach(function (b) {
      b.disabled = true;
    });
    sign(request, symbolId, decision)
      .then(function (signature) {
        return call('POST', '/requests/' + request.challengeId, { decision: decision, symbolId: symbolId, signature: signature });
      })
      .then(
        function () {
          say(
            'success',
            decision === 'approve' ? 'Approved. You can go back to your computer.' : 'Denied. Your administrator can see that this request was not you.',
          );
        },
        function (error) {
          if (error.code === 'wrong_symbol') say('error', 'That was not the symbol on the screen, so the request was refused. Ask again on the computer.');
          else if (error.code === 'challenge_closed') say('warning', 'This request was already answered, or it expired.');
          else if (error.code === 'bad_signature' || error.status === 401)
            say('error', 'This phone is no longer paired. Pair it again from the Two-step verification page.');
          else say('error', error.message);
        },
      )
      .then(function () {
        busy = false;
        delete shown[request.challengeId];
        node.remove();
        refresh();
      });
  }
  function refresh() {
    if (!device || busy) return Promise.resolve();
    return call('GET', '/requests').then(
      function (result) {
        var open = {};
        result.requests.forEach(function (request) {
          open[request.challengeId] = true;
          if (!shown[request.challengeId]) {
            shown[request.challengeId] = card(request);
            list.appendChild(shown[request.challengeId]);
          }
        });
        Object.keys(shown).forEach(function (id) {
          if (!open[id]) {
            shown[id].remove();
            delete shown[id];
          }
        });
        empty.hidden = result.requests.length > 0;
      },
      function (error) {
        if (error.status === 401) {
          stopPolling();
          return forgetDevice().then(function () {
            device = null;
            view('unpaired');
            say('warning', 'This phone was removed from your account. Pair it again to use it.');
          });
        }
      },
    );
  }
  function startPolling() {
    stopPolling();
    refresh();
    pollTimer = setInterval(refresh, POLL_MS);
  }
  function stopPolling() {
    clearInterval(pollTimer);
    pollTimer = null;
  }
  document.addEventListener('visibilitychange', function () {
    if (!device) return;
    if (document.visibilityState === 'visible') startPolling();
    else stopPolling();
  });

  // --- Web Push, where the server has VAPID keys ---
  function urlBase64ToBytes(text) {
    var padded = (text + '===='.slice(text.length % 4 || 4)).replace(/-/g, '+').replace(/_/g, '/');
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }
  function offerPush(registration) {
    if (!registration || !('PushManager' in window)) return;
    call('GET', '/push-key').then(function (result) {
      if (!result.vapidPublicKey) return; // not configured on this server: requests show while the app is open
      var box = root.querySelector('[data-push]');
      box.hidden = false;
      box.querySelector('button').addEventListener('click', function () {
        registration.pushManager
          .subscribe({ userVisibleOnly: true, applicationServerKey: urlBase64ToBytes(result.vapidPublicKey) })
          .then(function (subscription) {
            var json = subscription.toJSON();
            return call('PUT', '/push-subscription', { subscription: { endpoint: json.endpoint, keys: { p256dh: json.keys.p256dh, auth: json.keys.auth } } });
          })
          .then(
            function () {
              box.hidden = true;
              say('success', 'This phone will be notified of sign-in requests.');
            },
            function (error) {
              say('error', 'Notifications could not be turned on: ' + error.message);
            },
          );
      });
    });
  }
  var registration =
    'serviceWorker' in navigator ? navigator.serviceWorker.register('/companion/sw.js', { scope: '/companion' }).catch(function () {}) : Promise.resolve(null);
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.addEventListener('message', function () {
      refresh();
    });
  }

  function showRequests() {
    view('requests');
    root.querySelector('[data-field="device"]').textContent = 'Paired as “' + device.name + '”.';
    startPolling();
    registration.then(offerPush);
  }

  // --- start ---
  if (!window.crypto || !crypto.subtle || !window.indexedDB) {
    view('unsupported');
    return;
  }
  var fragment = /^#pair=([A-Za-z0-9_-]+)$/.exec(location.hash);
  loadDevice()
    .catch(function () {
      return null;
    })
    .then(function (stored) {
      device = stored || null;
      if (fragment) {
        view('pair');
        var input = root.querySelector('#c-name');
        input.value = device
          ? device.name
          : /iPhone|iPad/.test(navigator.userAgent)
            ? 'My iPhone'
            : /Android/.test(navigator.userAgent)
              ? 'My Android phone'
              : 'My phone';
        root.querySelector('[data-form="pair"]').addEventListener('submit', function (event) {
          event.preventDefault();
          var name = input.value.trim();
          if (!name) return say('error', 'Give this phone a name, so that you can tell it apart in the list.');
          device = null;
          event.submitter && (event.submitter.disabled = true);
          pair(fragment[1], name).then(
            function () {
              // The token is spent; take it out of the address bar and the history.
              history.replaceState(null, '', '/companion');
              say('success', 'Paired. Sign-in requests appear here.');
              showRequests();
            },
            function (error) {
              if (event.submitter) event.submitter.disabled = false;
              if (error.code === 'pairing_used') say('error', 'This QR code was used already. Start pairing again on the computer.');
              else if (error.code === 'pairing_expired') say('error', 'This QR code has expired. Start pairing again on the computer.');
              else say('error', error.message);
            },
          );
        });
        return;
      }
      if (device) showRequests();
      else view('unpaired');
    });
})();

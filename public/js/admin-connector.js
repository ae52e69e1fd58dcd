/*
 * "Jira connector": settings, key pair, the Application Link values, the OAuth authorization (in a new
 * window: Jira Cloud frames this page, and Jira's authorize page must be a top-level page), test and
 * forget. Everything goes through Twofold.api (context token from AP.context.getToken). Changes that
 * the API answers with 403 verification_required ask for a 2FA code here (step-up.js), then carry on.
 */
window.Twofold.adminPage.start('[data-connector]', function (page) {
  'use strict';
  var root = page.root;
  var api = window.Twofold.api;
  var BASE = '/api/v1/admin/connector';
  var POLL_MS = 2000;

  var connector = null;
  var pollTimer = null;
  var watching = null; // the authorization attempt this page started and waits for
  var heldWindow = null; // a window opened for Jira's page, kept while a step-up pauses "Authorize"

  var view = window.Twofold.connectorView(page);
  var $ = page.$,
    all = page.all,
    field = page.field,
    resize = page.resize,
    result = page.result;
  var fieldErrors = view.fieldErrors,
    who = view.who;

  function load() {
    return api.get(BASE).then(
      function (loaded) {
        connector = loaded;
        render();
        return loaded;
      },
      function (error) {
        page.loadFailed(error);
        throw error;
      },
    );
  }

  function render() {
    var state = view.render(connector);
    if (state.pending) startPolling();
    else stopPolling();
    reportAttempt(connector.authorization);
  }

  /** Says how the attempt this page started ended (the popup's page says it too). */
  function reportAttempt(attempt) {
    if (!watching || !attempt || attempt.startedAt !== watching) return;
    if (attempt.state === 'pending' || attempt.state === 'in_progress') return;
    watching = null;
    if (attempt.state === 'completed') {
      var user = connector.lastTest && connector.lastTest.ok ? connector.lastTest.user : null;
      result('authorize', 'success', 'Twofold is connected to Jira.', user ? 'It acts as ' + who(user) + '.' : connector.statusMessage);
    } else if (attempt.state === 'denied') {
      result('authorize', 'error', 'Authorization was denied.', attempt.message || 'Deny was chosen in Jira.');
    } else {
      result('authorize', 'error', 'Authorization not completed.', attempt.message || 'It ' + attempt.state + '.');
    }
  }

  function startPolling() {
    if (pollTimer) return;
    pollTimer = window.setInterval(function () {
      load().catch(function () {
        stopPolling();
      });
    }, POLL_MS);
  }
  function stopPolling() {
    if (pollTimer) window.clearInterval(pollTimer);
    pollTimer = null;
  }

  /** Runs an action with its button busy; a step-up demand pauses it until the admin verified. */
  function run(button, resultName, action) {
    if (button) button.disabled = true;
    // One action's result at a time: an older one (say "Settings saved") would be stale now.
    all('[data-result]').forEach(function (el) {
      el.hidden = true;
    });
    return action()
      .catch(function (error) {
        // Cancelling the step-up closes the window an "Authorize" click opened for Jira's page.
        if (
          page.stepUp.demand(
            error,
            function () {
              return run(button, resultName, action);
            },
            releaseWindow,
          )
        )
          return;
        page.failed(resultName, failureTitle(error), error);
        return load().catch(function () {});
      })
      .then(function () {
        if (button) button.disabled = false;
      });
  }

  /** Codes that carry Jira's own refusal or answer (a 502 from Twofold): the admin fixes them in Jira. */
  var JIRA_ANSWERS = [
    'token_rejected',
    'access_token_expired',
    'signature_invalid',
    'consumer_key_unknown',
    'timestamp_refused',
    'nonce_used',
    'permission_unknown',
    'permission_denied',
    'parameter_absent',
    'parameter_rejected',
    'signature_method_rejected',
    'version_rejected',
    'unauthorized',
    'upstream_error',
  ];

  /** The title says whose failure it is, from the code: Jira's, the way to Jira, or Twofold's own. */
  function failureTitle(error) {
    switch (error.code) {
      case 'insecure_url':
        return 'Not saved: the URL is not secure.';
      case 'invalid_consumer_key':
        return 'Not saved: check the consumer key.';
      case 'invalid_request':
        return 'Not saved.';
      case 'connector_needs_reauthorization':
        return 'The connector needs reauthorization.';
      case 'connector_not_configured':
        return 'Not set up yet.';
      case 'unreachable':
        return 'Jira could not be reached.';
    }
    if (JIRA_ANSWERS.indexOf(error.code) !== -1) return 'Jira refused.';
    if (!error.code) return 'Twofold could not be reached.'; // the request itself failed (network)
    return error.status >= 500 || error.status === 0 ? 'Twofold could not do that.' : 'That did not work.';
  }

  function save(button) {
    var authType = view.selectedAuthType();
    var body = { baseUrl: field('base-url').value.trim(), authType: authType };
    if (authType === 'oauth1') body.consumerKey = field('consumer-key').value.trim();
    else {
      body.username = field('username').value.trim();
      if (field('secret').value !== '') body.secret = field('secret').value;
    }
    fieldErrors(null);
    var hadToken = connector && !!connector.authorizedAt;
    return run(button, 'settings', function () {
      return api.put(BASE, body).then(
        function (loaded) {
          connector = loaded;
          view.refillForm();
          render();
          var voided = hadToken && !loaded.authorizedAt;
          result('settings', 'success', 'Settings saved.', voided ? 'The access token no longer applies: authorize Twofold again.' : loaded.statusMessage);
        },
        function (error) {
          fieldErrors(error);
          throw error;
        },
      );
    });
  }

  function generate(button) {
    $('[data-confirm="generate"]').hidden = true;
    return run(button, 'keys', function () {
      return api.post(BASE + '/keys').then(function (keys) {
        return load().then(function () {
          result(
            'keys',
            'success',
            'New key pair generated.',
            'Fingerprint ' + keys.publicKeyFingerprint + ". Enter the public key in Jira's Application Link (step 3), then authorize.",
          );
        });
      });
    });
  }

  /** Writes a line into the blank window opened for Jira's page, so that it does not sit there empty. */
  function noteWindow(popup, text) {
    try {
      popup.document.title = 'Jira authorization';
      popup.document.body.textContent = text;
      popup.document.body.style.font = '14px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, sans-serif';
      popup.document.body.style.margin = '2em';
    } catch (ignored) {
      /* not ours to write (any more) */
    }
  }

  function releaseWindow() {
    if (heldWindow && !heldWindow.closed) heldWindow.close();
    heldWindow = null;
  }

  function authorize(button, oob) {
    // Open the window now, while the click still counts as one (pop-up blockers), for both flows, and send
    // it to Jira once step 1 is done. Jira Cloud frames this page, so Jira Server's page must open as a
    // top-level window. The window stays open through a step-up and is used when the action resumes:
    // a window opened then (after the code, not a click) would be blocked.
    releaseWindow();
    var popup = window.open('', '_blank');
    var blocked = !popup;
    if (popup) {
      try {
        popup.opener = null;
      } catch (ignored) {
        /* cross-origin already */
      }
      noteWindow(popup, "Opening Jira's authorization page…");
    }
    heldWindow = popup;
    return run(button, 'authorize', function () {
      return api.post(BASE + '/authorize', oob ? { callback: 'oob' } : {}).then(
        function (started) {
          heldWindow = null;
          field('authorize-link').href = started.authorizeUrl;
          field('oob-link').href = started.authorizeUrl;
          var opened = popup && !popup.closed;
          if (opened) popup.location.href = started.authorizeUrl;
          var link = oob
            ? 'Open it with the link below, choose Allow, then paste the verification code Jira shows.'
            : 'Open it with the link in the box above.';
          if (opened && oob) {
            result(
              'authorize',
              'info',
              "Jira's authorization page opened in a new window.",
              'Choose Allow there, then paste the verification code Jira shows below.',
            );
          } else if (!opened) {
            result(
              'authorize',
              'info',
              "Open Jira's authorization page.",
              (blocked ? 'Your browser blocked the new window.' : 'The window for it was closed.') + ' ' + link,
            );
          }
          return load().then(function (loaded) {
            watching = loaded.authorization ? loaded.authorization.startedAt : null;
            if (oob) field('verifier').focus();
          });
        },
        function (error) {
          if (error && error.code === 'verification_required' && popup && !popup.closed) {
            noteWindow(popup, "Verify it's you on the Twofold page first; Jira's authorization page then opens here.");
          } else {
            releaseWindow();
          }
          throw error;
        },
      );
    });
  }

  function submitVerifier(button) {
    var verifier = field('verifier').value.trim();
    if (!verifier) {
      $('[data-error="verifier"]').textContent = 'Paste the code Jira showed.';
      $('[data-error="verifier"]').hidden = false;
      return;
    }
    $('[data-error="verifier"]').hidden = true;
    return run(button, 'authorize', function () {
      return api.post(BASE + '/verifier', { verifier: verifier }).then(function (loaded) {
        connector = loaded;
        field('verifier').value = '';
        watching = null;
        render();
        var user = loaded.lastTest && loaded.lastTest.ok ? loaded.lastTest.user : null;
        result('authorize', 'success', 'Twofold is connected to Jira.', user ? 'It acts as ' + who(user) + '.' : loaded.statusMessage);
      });
    });
  }

  function test(button) {
    return run(button, 'test', function () {
      return api.post(BASE + '/test').then(
        function (answer) {
          return load().then(function () {
            result('test', 'success', 'Connection works.', 'Twofold acts in Jira as ' + who(answer.user) + '.');
          });
        },
        function (error) {
          return load().then(
            function () {
              throw error;
            },
            function () {
              throw error;
            },
          );
        },
      );
    });
  }

  function forget(button) {
    $('[data-confirm="forget"]').hidden = true;
    var basic = connector && connector.authType === 'basic';
    return run(button, 'test', function () {
      return api.del(BASE + '/token').then(function () {
        view.refillForm();
        return load().then(function () {
          result(
            'test',
            'success',
            basic ? 'Password forgotten.' : 'Access token forgotten.',
            basic
              ? 'Save a password again to reconnect.'
              : 'Authorize Twofold again to reconnect. The token stays valid in Jira until it is revoked there (Profile › Tools › View OAuth Access Tokens).',
          );
        });
      });
    });
  }

  function copy(name, raw) {
    var el = field(name);
    window.Twofold.copyText(page, el, raw ? el.textContent : el.textContent.replace(/\s+/g, ''), ['Copied', 'Paste it into Jira.']);
  }

  root.addEventListener('change', function (event) {
    if (event.target.name === 'authType') view.toggleAuthSections();
  });

  root.addEventListener('submit', function (event) {
    event.preventDefault();
    var form = event.target.getAttribute('data-form');
    var button = event.target.querySelector('[type=submit]');
    if (form === 'settings') save(button);
    if (form === 'verifier') submitVerifier(button);
  });

  root.addEventListener('click', function (event) {
    var target = event.target.closest('[data-action], [data-copy]');
    if (!target || target.disabled) return;
    if (target.hasAttribute('data-copy')) return copy(target.getAttribute('data-copy'), target.hasAttribute('data-copy-raw'));
    switch (target.getAttribute('data-action')) {
      case 'reload':
        load();
        break;
      case 'generate':
        if (connector && connector.publicKeyPem) {
          $('[data-confirm="generate"]').hidden = false;
          resize();
        } else generate(target);
        break;
      case 'generate-confirmed':
        generate(root.querySelector('[data-action="generate"]'));
        break;
      case 'authorize':
        authorize(target, false);
        break;
      case 'authorize-oob':
        authorize(target, true);
        break;
      case 'test':
        test(target);
        break;
      case 'forget':
        $('[data-confirm="forget"]').hidden = false;
        resize();
        break;
      case 'forget-confirmed':
        forget(field('forget-button'));
        break;
      case 'cancel-confirm':
        all('[data-confirm]').forEach(function (el) {
          el.hidden = true;
        });
        resize();
        break;
    }
  });

  // Back from Jira's window: look again at once instead of waiting for the next poll.
  window.addEventListener('focus', function () {
    if (pollTimer) load().catch(function () {});
  });

  load().catch(function () {});
});

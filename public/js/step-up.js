/*
 * "Verify it's you" inside an admin page. Once an admin has two-step verification, admin changes need
 * a verification in this browser within the policy's step-up minutes ("sudo mode"): the API answers
 * 403 verification_required. The page then shows its step-up card (views/partials/step-up.hbs),
 * verifies the code with POST /api/v1/me/verify (which starts this browser's session, kept by
 * twofold-api.js) and runs the interrupted action again. When the action itself needs a code
 * (details.reason 'code': resetting one's own factor), the code goes with the retried action instead:
 * `retry(proof)` gets {code} or {backupCode}. Shared by every admin page:
 *
 *   var stepUp = Twofold.stepUp(root.querySelector('[data-step-up]'));
 *   action().catch(function (error) { if (!stepUp.demand(error, retry)) show(error); });
 */
(function () {
  'use strict';

  function messageFor(error) {
    switch (error.code) {
      case 'code_reused':
        return 'That code was already used. Wait for the next one from your app or token.';
      case 'locked_out':
        return 'Too many wrong codes. Try again in ' + Math.ceil((error.retryAfter || 60) / 60) + ' minute(s).';
      case 'invalid_request':
        return 'Type the code your app or token shows now, or a backup code.';
      default:
        return error.message || 'That code did not work.';
    }
  }

  window.Twofold = window.Twofold || {};
  /** The step-up card `card`; one controller per card, however many scripts of the page ask for it. */
  window.Twofold.stepUp = function (card) {
    if (card.twofoldStepUp) return card.twofoldStepUp;
    var form = card.querySelector('[data-form="step-up"]');
    var input = card.querySelector('[data-field="step-up-code"]');
    var error = card.querySelector('[data-error="step-up"]');
    var submit = form.querySelector('[type=submit]');
    var resume = null; // what to do after a good code
    var forAction = false; // the code goes with the action, not to /me/verify
    var undo = null; // what to do if the admin cancels instead

    function resize() {
      if (window.AP && window.AP.resize) window.AP.resize();
    }
    function showError(message) {
      error.textContent = message || '';
      error.hidden = !message;
      resize();
    }

    function close() {
      card.hidden = true;
      resume = null;
      undo = null;
      input.value = '';
      showError('');
    }

    /**
     * If `failure` is the API asking for a verification: shows the card, remembers `retry` (run after
     * a good code) and `cancelled` (optional, run if the admin cancels instead) and answers true. Any
     * other failure: false, for the caller to report.
     */
    function demand(failure, retry, cancelled) {
      if (!failure || failure.code !== 'verification_required') return false;
      resume = retry;
      undo = cancelled || null;
      forAction = !!(failure.details && failure.details.reason === 'code');
      showError('');
      card.hidden = false;
      resize();
      if (card.scrollIntoView) card.scrollIntoView({ block: 'nearest' });
      input.focus();
      return true;
    }

    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var code = input.value.replace(/\s+/g, '');
      if (!code) return showError('Enter the code.');
      submit.disabled = true;
      // Six to eight digits are a TOTP code; anything else is taken for a backup code.
      var body = /^\d{6,8}$/.test(code) ? { code: code } : { backupCode: code };
      var next = resume;
      if (forAction) {
        // The retried action carries the code; its own failures come back through demand() or the page.
        close();
        submit.disabled = false;
        if (next) next(body);
        return;
      }
      window.Twofold.api
        .post('/api/v1/me/verify', body)
        .then(
          function () {
            close();
            if (next) next();
          },
          function (failure) {
            input.value = ''; // a wrong code does not stay in the field
            showError(messageFor(failure));
          },
        )
        .then(function () {
          submit.disabled = false;
        });
    });

    card.querySelector('[data-action="cancel-step-up"]').addEventListener('click', function () {
      var cancelled = undo;
      close();
      if (cancelled) cancelled();
    });

    card.twofoldStepUp = {
      demand: demand,
      cancel: close,
      /** Whether an action waits for a code. */
      pending: function () {
        return resume !== null;
      },
    };
    return card.twofoldStepUp;
  };
})();

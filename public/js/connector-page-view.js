/*
 * The "Jira connector" page's own rendering (views/pages/admin-connector.hbs): the connector as
 * GET /api/v1/admin/connector describes it, and its field errors. It builds on the page's
 * Twofold.adminPage (admin-page.js: sections, result lines, errors); the page's behaviour (calls,
 * polling, step-up) is in admin-connector.js, which creates this view.
 */
(function () {
  'use strict';

  window.Twofold = window.Twofold || {};
  /** The connector's rendering on the admin page `page` (Twofold.adminPage). */
  window.Twofold.connectorView = function (page) {
    var root = page.root,
      all = page.all,
      field = page.field,
      setText = page.setText,
      formatTime = page.formatTime;
    var formFilled = false;
    var linkFolded = false;

    var STATUS = {
      unconfigured: { label: 'Not set up', tone: '' },
      awaiting_authorization: { label: 'Awaiting authorization', tone: 'tf-lozenge--info' },
      connected: { label: 'Connected', tone: 'tf-lozenge--success' },
      needs_reauthorization: { label: 'Needs reauthorization', tone: 'tf-lozenge--moved' },
      error: { label: 'Error', tone: 'tf-lozenge--danger' },
    };

    /**
     * Puts each problem of `error.details.fields` under its input, after clearing the errors of before
     * (every one on the page, the step-up card's too: a new attempt starts clean). Unlike
     * page.fieldErrors it marks no input (aria-invalid, which draws a red border), as this page never
     * has, and places a problem of `a.b` under `a`.
     */
    function fieldErrors(error) {
      page.clearErrors();
      var shown = false;
      ((error && error.details && error.details.fields) || []).forEach(function (f) {
        var el = page.$('[data-error="' + String(f.field || '').split('.')[0] + '"]');
        if (el) {
          el.textContent = f.problem;
          el.hidden = false;
          shown = true;
        }
      });
      // insecure_url names no field (invalid_consumer_key always does, so it is shown above).
      if (!shown && error && error.code === 'insecure_url') {
        var url = page.$('[data-error="baseUrl"]');
        url.textContent = error.message;
        url.hidden = false;
      }
    }

    /** A value of the Application Link with its Copy button, or a hint (and no button) while it is missing. */
    function linkValue(name, value, missing) {
      var el = field(name);
      el.textContent = value || missing || '';
      el.classList.toggle('tf-missing', !value);
      var button = root.querySelector('[data-copy="' + name + '"]');
      if (button) button.hidden = !value;
    }

    function formatDate(iso) {
      return iso ? new Date(iso).toLocaleDateString([], { dateStyle: 'medium' }) : '';
    }
    function who(user) {
      return user ? user.displayName + ' (' + user.name + ')' : '';
    }

    function selectedAuthType() {
      var checked = root.querySelector('input[name="authType"]:checked');
      return checked ? checked.value : 'oauth1';
    }

    function toggleAuthSections() {
      var oauth = selectedAuthType() === 'oauth1';
      all('[data-oauth-only]').forEach(function (el) {
        el.hidden = !oauth;
      });
      all('[data-basic-only]').forEach(function (el) {
        el.hidden = oauth;
      });
      setText('test-step', oauth ? '5' : '2');
      page.resize();
    }

    /** The settings form from the saved connector (only when asked: the admin's unsaved edits stay otherwise). */
    function fillForm(c) {
      field('base-url').value = c.baseUrl || '';
      field('auth-oauth1').checked = c.authType !== 'basic';
      field('auth-basic').checked = c.authType === 'basic';
      field('consumer-key').value = c.consumerKey || (c.authType ? '' : 'twofold');
      field('username').value = c.username || '';
      field('secret').value = '';
      formFilled = true;
    }

    /** Shows the connector `c` (GET /api/v1/admin/connector); says whether an authorization is under way. */
    function render(c) {
      if (!formFilled) fillForm(c);
      var status = STATUS[c.status] || STATUS.unconfigured;
      var lozenge = field('status');
      lozenge.className = 'tf-lozenge ' + status.tone;
      lozenge.textContent = status.label;
      lozenge.setAttribute('data-status', c.status);
      root.setAttribute('data-status', c.status);
      setText('status-message', c.statusMessage);
      field('expiry-warning').hidden = !c.tokenExpiresSoon;
      setText(
        'expiry-text',
        c.tokenExpiresAt ? ' It expires on ' + formatDate(c.tokenExpiresAt) + '. Reauthorize Twofold before then, or the connector stops.' : '',
      );

      setText('summary-base-url', c.baseUrl || 'Not set');
      setText(
        'summary-auth',
        c.authType === 'basic'
          ? 'Basic' + (c.username ? ' as ' + c.username : '')
          : c.authType === 'oauth1'
            ? 'OAuth 1.0a (RSA-SHA1), consumer key ' + (c.consumerKey || '–')
            : 'Not set',
      );
      var acting = c.lastTest && c.lastTest.ok ? c.lastTest.user : null;
      setText(
        'summary-acting',
        acting
          ? who(acting)
          : c.status === 'needs_reauthorization'
            ? 'Nobody: Jira refuses the credentials'
            : c.status === 'connected' || c.status === 'error'
              ? 'Unknown until the connection is tested'
              : 'Nobody yet',
      );
      setText('summary-token', c.tokenExpiresAt ? 'Valid until ' + formatDate(c.tokenExpiresAt) : c.authorizedAt ? 'Held' : 'None');

      var secretHelp = c.hasSecret
        ? 'A password is saved (never shown). Leave empty to keep it; type a new one to replace it.'
        : 'Stored encrypted and never shown again.';
      setText('secret-help', secretHelp);

      field('no-key').hidden = !!c.publicKeyPem;
      field('key').hidden = !c.publicKeyPem;
      setText('fingerprint', c.publicKeyFingerprint);
      setText('key-generated', formatTime(c.keyGeneratedAt));
      setText('public-key-base64', c.publicKeyBase64);
      setText('public-key-pem', c.publicKeyPem);
      root.querySelector('[data-action="generate"]').textContent = c.publicKeyPem ? 'Generate new key' : 'Generate key pair';

      // The Application Link's Consumer Key and Public Key are the connector's own consumerKey and publicKeyBase64.
      var link = c.applicationLink;
      setText('link-app-url', link.applicationUrl);
      setText('link-app-name', link.applicationName);
      linkValue('link-consumer-key', c.consumerKey, 'Save a consumer key first (step 1).');
      linkValue('link-consumer-name', link.consumerName);
      linkValue('link-public-key', c.publicKeyBase64, 'Generate a key pair first (step 2).');
      linkValue('link-callback', link.consumerCallbackUrl);
      // Once connected, the set-up values are folded away (still one click from view).
      var details = field('link-details');
      if (!linkFolded && c.status === 'connected') {
        details.open = false;
        linkFolded = true;
      }
      if (c.status !== 'connected') {
        details.open = true;
        linkFolded = false;
      }

      var hasToken = !!c.authorizedAt;
      var info = field('authorized-info');
      info.hidden = !hasToken;
      info.textContent = hasToken
        ? 'Authorized on ' + formatTime(c.authorizedAt) + (c.tokenExpiresAt ? '; the token is valid until ' + formatDate(c.tokenExpiresAt) + '.' : '.')
        : '';
      var authorize = root.querySelector('[data-action="authorize"]');
      authorize.textContent = hasToken || c.status === 'needs_reauthorization' ? 'Reauthorize' : 'Authorize';
      var ready = c.authType === 'oauth1' && c.status !== 'unconfigured';
      authorize.disabled = !ready;
      root.querySelector('[data-action="authorize-oob"]').disabled = !ready;
      authorize.title = ready ? '' : 'Save the settings and generate a key pair first';

      // `pending`: Jira's page is open, waiting for Allow (or for the pasted code). `in_progress`: the callback
      // (or the pasted code) claimed the attempt and Twofold is fetching the token and testing it. Both are
      // still under way: the page keeps polling, and says which.
      var attempt = c.authorization;
      var waiting = !!attempt && attempt.state === 'pending';
      var completing = !!attempt && attempt.state === 'in_progress';
      field('pending').hidden = !((waiting && attempt.mode === 'callback') || completing);
      field('pending').setAttribute('data-attempt', completing ? 'in_progress' : 'pending');
      setText('pending-title', completing ? 'Completing…' : 'Waiting for Jira…');
      field('pending-waiting').hidden = completing;
      field('pending-completing').hidden = !completing;
      field('oob').hidden = !(waiting && attempt.mode === 'oob');

      var last = c.lastTest;
      var lastEl = field('last-test');
      lastEl.hidden = !last;
      if (last) {
        // The sentence only; the code stays in data-error-code for support.
        var why = String(last.message || 'Jira did not answer as expected.').replace(/\.?$/, '.');
        lastEl.textContent = 'Last test ' + formatTime(last.at) + ': ' + (last.ok ? 'Twofold acts as ' + who(last.user) + '.' : 'failed. ' + why);
        if (!last.ok && last.code) lastEl.setAttribute('data-error-code', last.code);
        else lastEl.removeAttribute('data-error-code');
      }
      var forget = field('forget-button');
      forget.textContent = c.authType === 'basic' ? 'Forget password' : 'Forget token';
      forget.hidden = !(hasToken || c.hasSecret || c.status === 'needs_reauthorization');
      setText('forget-question', c.authType === 'basic' ? 'Forget the saved password?' : 'Forget the access token?');
      setText(
        'forget-detail',
        c.authType === 'basic'
          ? 'Twofold deletes the saved password and stops reaching Jira until you save one again. The password itself does not change in Jira.'
          : 'Twofold deletes its copy and stops reaching Jira until you authorize again. The token itself stays valid in Jira until it is revoked there: as the Jira user Twofold acts as, open Profile › Tools › View OAuth Access Tokens and revoke it.',
      );
      root.querySelector('[data-action="test"]').disabled = c.status === 'unconfigured' || c.status === 'awaiting_authorization';

      toggleAuthSections();
      page.show('ready');
      return { pending: waiting || completing };
    }

    return {
      fieldErrors: fieldErrors,
      who: who,
      selectedAuthType: selectedAuthType,
      toggleAuthSections: toggleAuthSections,
      render: render,
      /** The next render fills the settings form from the saved connector again. */
      refillForm: function () {
        formFilled = false;
      },
    };
  };
})();

/*
 * What Twofold's admin pages (policy, users, audit log, Jira connector) share: finding their parts,
 * switching sections, the result line under an action with a flag in Jira, field errors from
 * `error.details.fields`, times in the admin's locale, and people's names (asked of Jira with
 * AP.request, as the signed-in admin). Each page's script starts with Twofold.adminPage.start.
 */
(function () {
  'use strict';

  var names = {}; // accountId -> Promise of the display name (or null), for the page's lifetime
  /** A result's words longer than this stay out of its flag (two lines of a flag at most). */
  var FLAG_BODY_MAX = 90;

  function hostJson(url) {
    if (!window.AP || !window.AP.request) return Promise.reject(new Error('no host'));
    return window.AP.request({ url: url }).then(function (response) {
      var body = response && typeof response === 'object' && 'body' in response ? response.body : response;
      return typeof body === 'string' ? JSON.parse(body) : body;
    });
  }

  window.Twofold = window.Twofold || {};
  window.Twofold.adminPage = function (root) {
    function $(selector) {
      return root.querySelector(selector);
    }
    function all(selector) {
      return Array.prototype.slice.call(root.querySelectorAll(selector));
    }
    function field(name) {
      return root.querySelector('[data-field="' + name + '"]');
    }
    function setText(name, text) {
      var el = field(name);
      if (el) el.textContent = text == null ? '' : text;
    }
    function resize() {
      if (window.AP && window.AP.resize) window.AP.resize();
    }

    /** Shows one `[data-section]` and hides the others; the root's data-state names it. */
    function show(section) {
      all('[data-section]').forEach(function (el) {
        el.hidden = el.getAttribute('data-section') !== section;
      });
      root.setAttribute('data-state', section);
      resize();
    }

    function loadFailed(error) {
      setText('load-error', ' ' + (error.message || ''));
      show('load-error');
    }

    /**
     * A flag in Jira about `topic` (an action, e.g. the policy's `save`): a new flag of the same topic
     * closes the one before, so "Policy not saved" never stays beside the "Policy saved" that followed.
     */
    var openFlags = {};
    function flag(topic, title, body, type) {
      var previous = openFlags[topic];
      delete openFlags[topic];
      if (previous && typeof previous.close === 'function') {
        try {
          previous.close();
        } catch (ignored) {
          /* already gone */
        }
      }
      if (!window.AP || !window.AP.flag) return;
      openFlags[topic] = window.AP.flag.create({ title: title, body: body || '', type: type || 'info', close: 'auto' });
    }

    /**
     * The result line `[data-result=name]` (an action's outcome, next to its buttons), and a flag in
     * Jira. `code`, an error's stable code, is kept in `data-error-code` for support, never in the words.
     */
    function result(name, kind, title, body, code) {
      var el = typeof name === 'string' ? $('[data-result="' + name + '"]') : name;
      if (!el) return;
      if (!title) {
        el.hidden = true;
        el.textContent = '';
        el.removeAttribute('data-error-code');
        resize();
        return;
      }
      el.className = 'tf-result tf-result--' + kind;
      el.setAttribute('data-kind', kind);
      if (code) el.setAttribute('data-error-code', code);
      else el.removeAttribute('data-error-code');
      el.textContent = '';
      var strong = document.createElement('strong');
      strong.textContent = title;
      el.appendChild(strong);
      el.appendChild(document.createTextNode(body ? ' ' + body : ''));
      el.hidden = false;
      // The outcome, and the buttons beside it, to the middle of the window: a button clicked near the
      // window's bottom edge would otherwise sit under the flag that Jira shows in the bottom-left corner.
      if (el.scrollIntoView) el.scrollIntoView({ block: 'center' });
      // The flag stays small (a flag floats over the page): a long explanation is in the result line, next to the button.
      var short = body && body.length <= FLAG_BODY_MAX ? body : '';
      flag(
        el.getAttribute('data-result') || (typeof name === 'string' ? name : 'result'),
        title,
        short,
        kind === 'error' ? 'error' : kind === 'success' ? 'success' : 'info',
      );
      resize();
    }

    /** A failed action's result: the error's sentence only; its code goes to `data-error-code`. */
    function failed(name, title, error) {
      result(name, 'error', title, (error && error.message) || 'Something went wrong.', error && error.code);
    }

    /** Hides the field errors in `scope` (the whole page, step-up card included, without one). */
    function clearErrors(scope) {
      Array.prototype.slice.call((scope || root).querySelectorAll('[data-error]')).forEach(function (el) {
        el.hidden = true;
        el.textContent = '';
      });
      Array.prototype.slice.call((scope || root).querySelectorAll('[aria-invalid]')).forEach(function (el) {
        el.removeAttribute('aria-invalid');
      });
    }

    /**
     * Puts each problem of `error.details.fields` (`{field, problem}`, field a dotted path such as
     * `totp.window` or `ipSafeZones.2`) next to its input: `[data-error=<path>]`, else the path without
     * its last part. `describe(field, problem)` may reword one. Answers the problems it could not place.
     */
    function fieldErrors(error, describe, scope) {
      var within = scope || root;
      var problems = (error && error.details && error.details.fields) || [];
      var unplaced = [];
      problems.forEach(function (p) {
        var path = String(p.field || '');
        var el = within.querySelector('[data-error="' + path + '"]');
        if (!el && path.indexOf('.') > 0) el = within.querySelector('[data-error="' + path.slice(0, path.lastIndexOf('.')) + '"]');
        var text = describe ? describe(path, p.problem) : p.problem;
        if (!el) {
          unplaced.push(path + ' ' + p.problem);
          return;
        }
        el.textContent = el.textContent ? el.textContent + ' ' + text : text;
        el.hidden = false;
        var input = within.querySelector('[data-field="' + el.getAttribute('data-error') + '"]');
        if (input) input.setAttribute('aria-invalid', 'true');
      });
      resize();
      return unplaced;
    }

    function formatTime(iso) {
      return iso ? new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' }) : '';
    }

    return {
      root: root,
      $: $,
      all: all,
      field: field,
      setText: setText,
      resize: resize,
      show: show,
      loadFailed: loadFailed,
      flash: function (kind, title, body) {
        window.Twofold.showBanner($('[data-flash]'), kind, title, body);
      },
      result: result,
      failed: failed,
      flag: flag,
      clearErrors: clearErrors,
      fieldErrors: fieldErrors,
      formatTime: formatTime,
      /** The page's "Verify it's you" card (step-up.js), on pages that change something. */
      stepUp: $('[data-step-up]') ? window.Twofold.stepUp($('[data-step-up]')) : null,
    };
  };

  /**
   * Runs `start(page)`, the page's script, with the helper for its root `selector` (one an admin page:
   * `[data-policy]`, `[data-connector]`, …); on any other page, nothing.
   */
  window.Twofold.adminPage.start = function (selector, start) {
    var root = document.querySelector(selector);
    if (root) start(window.Twofold.adminPage(root));
  };

  /** Jira's REST API as the signed-in admin (AP.request); the body parsed. */
  window.Twofold.hostJson = hostJson;

  /**
   * Copies `text` to the clipboard and says so with `success` ([title, text]); where the clipboard API is
   * refused (a framed page without permission), selects `el` and tries the old copy command, and failing
   * that leaves the text selected and tells the admin to press Ctrl+C.
   */
  window.Twofold.copyText = function (page, el, text, success) {
    var done = function () {
      page.flag('copy', success[0], success[1], 'success');
    };
    var fallback = function () {
      var range = document.createRange();
      range.selectNodeContents(el);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      var ok = false;
      try {
        ok = document.execCommand('copy');
      } catch (ignored) {
        ok = false;
      }
      if (ok) done();
      else page.flash('warning', 'Copying is blocked here', 'The text is selected: press Ctrl+C (or ⌘C).');
    };
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(done, fallback);
    else fallback();
  };

  /** A user's display name from Jira, or null if Jira does not say; asked once a page. */
  window.Twofold.displayName = function (accountId) {
    if (!accountId) return Promise.resolve(null);
    if (!names[accountId]) {
      names[accountId] = hostJson('/rest/api/3/user?accountId=' + encodeURIComponent(accountId)).then(
        function (user) {
          return user && user.displayName ? user.displayName : null;
        },
        function () {
          return null;
        },
      );
    }
    return names[accountId];
  };
})();

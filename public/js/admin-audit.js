/*
 * "Audit log": GET /api/v1/admin/audit, newest first, "Load more" with nextCursor. Filters by event
 * (`action`) and by the user an event concerns (`subject`: choose a name in the table). Times are in
 * the admin's locale; people are shown by their Jira display name (asked of Jira with AP.request),
 * events and their details in words.
 */
window.Twofold.adminPage.start('[data-audit]', function (page) {
  'use strict';
  var root = page.root;
  var api = window.Twofold.api;
  var BASE = '/api/v1/admin/audit';
  var PAGE_SIZE = 50;

  var $ = page.$,
    field = page.field,
    resize = page.resize;
  var rows = field('rows');
  var filter = { action: '', subject: null }; // subject: {accountId, name}
  var nextCursor = null;
  var shown = 0;
  var loading = null;

  /** The events in words: the filter menu's own options (rendered from the server's list). */
  var ACTION_NAMES = {};
  Array.prototype.slice.call(field('filter-action').options).forEach(function (option) {
    if (option.value) ACTION_NAMES[option.value] = option.textContent;
  });

  var POLICY_FIELDS = {
    enforcedGroups: 'groups',
    idPattern: 'ID pattern',
    allowUserChosenId: 'user-chosen IDs',
    writeBack: 'write-back to Jira',
    sessionTimeoutMinutes: 'session length',
    stepUpMinutes: 're-verification',
    ipSafeZones: 'IP safe zones',
    methods: 'methods',
    totp: 'code settings',
    lockout: 'lockout',
    branding: 'branding',
    gate: 'Data Center gate',
  };
  var SOURCES = { admin: 'set by an admin', user: 'chosen by the user', pattern: 'from the ID pattern' };

  /** The server's words for OAuth steps and failure codes (src/domain/audit/audit-action-labels.ts). */
  var WORDS = { steps: {}, reasons: {} };
  try {
    WORDS = JSON.parse(root.getAttribute('data-audit-words') || '') || WORDS;
  } catch (ignored) {
    /* words then fall back below */
  }
  function reason(code) {
    return WORDS.reasons[code] || 'for a reason Twofold has no words for';
  }
  function sentence(text) {
    return text ? text.charAt(0).toUpperCase() + text.slice(1) : '';
  }

  function plural(count, one, many) {
    return count + ' ' + (count === 1 ? one : many);
  }
  function otpParams(d) {
    var algorithm = { SHA1: 'SHA-1', SHA256: 'SHA-256', SHA512: 'SHA-512' }[d.algorithm] || d.algorithm;
    return d.algorithm ? 'TOTP · ' + algorithm + ' · ' + d.digits + ' digits · ' + d.period + ' s' : '';
  }
  function removed(d) {
    var parts = [];
    if (d.totpCredentials) parts.push(plural(d.totpCredentials, 'app or token', 'apps or tokens'));
    if (d.backupCodesRemoved) parts.push(plural(d.backupCodesRemoved, 'backup code', 'backup codes'));
    return parts.length ? 'Removed ' + parts.join(' and ') : 'Nothing was set up';
  }
  /**
   * A value someone else chose (an ID, a group, a Jira name, a URL) inside a sentence of ours: wrapped in
   * FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE, so that right-to-left text or a stray override in it
   * cannot reorder the words around it.
   */
  function isolate(value) {
    return value == null || value === '' ? '' : '\u2068' + value + '\u2069';
  }

  function join(parts) {
    return parts.filter(Boolean).join(' · ');
  }
  /** A changed policy field in the words of the policy page. */
  var POLICY_CHANGE_NAMES = {
    enforcedGroups: 'Groups',
    idPattern: 'ID pattern',
    allowUserChosenId: 'User-chosen IDs',
    writeBack: 'Write-back to Jira',
    sessionTimeoutMinutes: 'Verification lasts (min)',
    stepUpMinutes: 'Re-verify after (min)',
    ipSafeZones: 'IP safe zones',
    methods: 'Methods',
    'totp.algorithm': 'Algorithm',
    'totp.digits': 'Digits',
    'totp.period': 'Time step (s)',
    'totp.window': 'Clock drift (steps)',
    'lockout.maxFailures': 'Wrong codes before a lockout',
    'lockout.windowMinutes': 'Lockout window (min)',
    'lockout.tenantMaxFailures': 'Site-wide limit',
    'branding.serviceName': 'Service name',
    'branding.companyName': 'Company name',
    'branding.color': 'Colour',
  };
  function policyPath(path) {
    return POLICY_CHANGE_NAMES[path] || path;
  }
  /** Lists come as JSON text; an empty one is "none". */
  function policyValue(value) {
    if (typeof value === 'string' && value.charAt(0) === '[') {
      try {
        var list = JSON.parse(value);
        if (Array.isArray(list)) return list.length ? list.map(isolate).join(', ') : 'none';
      } catch (ignored) {
        /* shown as it is */
      }
    }
    if (value === undefined || value === null) return '–';
    if (value === '') return '(empty)';
    return value === true ? 'on' : value === false ? 'off' : String(value);
  }

  /** Each event's detail in words; anything else is listed as it is. */
  var DETAILS = {
    'totp.enrollment_started': otpParams,
    'totp.confirmed': function (d) {
      return join([
        otpParams(d),
        d.replaced ? 'replaces the previous one' : '',
        d.backupCodeCount ? plural(d.backupCodeCount, 'backup code', 'backup codes') : '',
      ]);
    },
    'totp.removed': removed,
    'admin.reset': removed,
    'verify.succeeded': function (d) {
      return d.method === 'backup_code'
        ? 'With a backup code' + (typeof d.remaining === 'number' ? ', ' + d.remaining + ' left' : '')
        : 'With a code from an app or token';
    },
    'totp.confirm_failed': function (d) {
      return 'A wrong code while setting up' + (typeof d.failures === 'number' ? ' (' + plural(d.failures, 'failure', 'failures') + ' in this window)' : '');
    },
    'verify.failed': function (d) {
      var what = d.reason === 'code_reused' ? 'A code that was already used' : d.method === 'backup_code' ? 'A wrong backup code' : 'A wrong code';
      return what + (typeof d.failures === 'number' ? ' (' + plural(d.failures, 'failure', 'failures') + ' in this window)' : '');
    },
    lockout: function (d) {
      return (d.scope === 'tenant' ? 'Site-wide brake on wrong codes' : 'Too many wrong codes') + (d.until ? ', until ' + page.formatTime(d.until) : '');
    },
    'backup_code.used': function (d) {
      return typeof d.remaining === 'number' ? d.remaining + ' left' : '';
    },
    'backup_codes.regenerated': function (d) {
      return plural(d.count, 'new code', 'new codes') + '; the old ones stopped working';
    },
    'policy.changed': function (d) {
      var fields = String(d.fields || '')
        .split(',')
        .filter(Boolean);
      // Old and new values (`<field>.old`, `<field>.new`; blocks by their inner fields) where the entry has them.
      var changes = Object.keys(d)
        .filter(function (key) {
          return /\.new$/.test(key);
        })
        .map(function (key) {
          var path = key.slice(0, -4);
          return policyPath(path) + ' ' + policyValue(d[path + '.old']) + ' → ' + policyValue(d[key]);
        });
      return changes.length
        ? changes.join('; ')
        : 'Changed: ' +
            fields
              .map(function (f) {
                return POLICY_FIELDS[f] || f;
              })
              .join(', ');
    },
    'user.unlocked': function (d) {
      return d.wasLockedUntil ? 'Was locked until ' + page.formatTime(d.wasLockedUntil) : 'Was not locked';
    },
    'user.id_assigned': function (d) {
      return join([isolate(d.twoFactorId) + (d.previous ? ' (was ' + isolate(d.previous) + ')' : ''), SOURCES[d.source] || '']);
    },
    'connector.configured': function (d) {
      return join([
        isolate(d.baseUrl),
        d.authType === 'basic' ? 'Basic as ' + isolate(d.username) : 'OAuth 1.0a, consumer key ' + isolate(d.consumerKey),
        d.passwordChanged ? 'new password' : '',
        d.tokenVoided ? 'the access token no longer applies' : '',
      ]);
    },
    'connector.key_generated': function (d) {
      return join(['Fingerprint ' + d.fingerprint, d.tokenVoided ? 'the access token no longer applies' : '']);
    },
    'connector.authorized': function (d) {
      return join([
        d.baseUrl,
        d.mode === 'oob' ? 'with a verification code' : '',
        d.tokenExpiresAt ? 'token valid until ' + page.formatTime(d.tokenExpiresAt) : '',
      ]);
    },
    'connector.authorization_failed': function (d) {
      return sentence(reason(d.errorCode)) + (WORDS.steps[d.step] ? ', ' + WORDS.steps[d.step] : '');
    },
    'connector.tested': function (d) {
      return d.ok ? 'Works: Twofold acts as ' + isolate(d.jiraUser) : 'Failed: ' + reason(d.errorCode);
    },
    'connector.token_forgotten': function (d) {
      return d.authType === 'basic' ? 'The saved password' : 'The access token';
    },
    'connector.token_rejected': function (d) {
      return sentence(d.problem || reason(d.errorCode)) + (d.status ? ' (Jira answered with HTTP status ' + d.status + ')' : '');
    },
  };

  /**
   * An entry's details in words. An entry this page has no words for (an older or newer version's)
   * reads as a sentence too; its raw fields stay in the row's `data-raw-detail` for support.
   */
  function describe(entry) {
    var d = entry.detail || {};
    try {
      if (DETAILS[entry.action]) return DETAILS[entry.action](d);
    } catch (ignored) {
      /* an older entry without the expected fields: said in general words below */
    }
    return Object.keys(d).length ? 'More details are kept for support.' : '';
  }

  function query(cursor) {
    var params = ['limit=' + PAGE_SIZE];
    if (filter.action) params.push('action=' + encodeURIComponent(filter.action));
    if (filter.subject) params.push('subject=' + encodeURIComponent(filter.subject.accountId));
    if (cursor) params.push('cursor=' + encodeURIComponent(cursor));
    return BASE + '?' + params.join('&');
  }

  function list(more) {
    if (loading) return loading;
    var button = $('[data-action="more"]');
    button.disabled = true;
    if (!more) page.show('loading');
    loading = api
      .get(query(more ? nextCursor : null))
      .then(function (answer) {
        // Names first, so that rows appear whole (each person is asked of Jira once a page).
        var people = {};
        answer.entries.forEach(function (e) {
          [e.actorAccountId, e.subjectAccountId].forEach(function (id) {
            if (id) people[id] = true;
          });
        });
        var ids = Object.keys(people);
        return Promise.all(ids.map(window.Twofold.displayName)).then(function (found) {
          var names = {};
          ids.forEach(function (id, index) {
            names[id] = found[index];
          });
          if (!more) {
            rows.textContent = '';
            shown = 0;
          }
          answer.entries.forEach(function (entry) {
            rows.appendChild(renderEntry(entry, names));
          });
          shown += answer.entries.length;
          nextCursor = answer.nextCursor;
          renderFooter();
          page.show('ready');
        });
      })
      .catch(page.loadFailed)
      .then(function () {
        loading = null;
        button.disabled = false;
      });
    return loading;
  }

  function person(accountId, names, asFilter) {
    var name = names[accountId] || accountId;
    if (!asFilter) {
      var span = document.createElement('span');
      span.textContent = name;
      span.title = accountId;
      return span;
    }
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'tf-button tf-button--link tf-person';
    button.textContent = name;
    button.title = 'Show only the events of ' + name;
    button.setAttribute('data-action', 'filter-subject');
    button.setAttribute('data-account-id', accountId);
    button.setAttribute('data-name', name);
    return button;
  }

  function renderEntry(entry, names) {
    var row = $('template[data-template="entry"]').content.firstElementChild.cloneNode(true);
    var cell = function (name) {
      return row.querySelector('[data-cell="' + name + '"]');
    };
    row.setAttribute('data-action-code', entry.action);
    var time = cell('time');
    time.setAttribute('datetime', entry.at);
    time.textContent = new Date(entry.at).toLocaleString([], { dateStyle: 'medium', timeStyle: 'medium' });
    time.title = new Date(entry.at).toString();
    if (entry.actorAccountId) cell('actor').appendChild(person(entry.actorAccountId, names, false));
    else {
      cell('actor').textContent = 'Twofold';
      cell('actor').classList.add('tf-subtle');
    }
    cell('action').textContent = ACTION_NAMES[entry.action] || entry.action;
    if (entry.subjectAccountId) cell('subject').appendChild(person(entry.subjectAccountId, names, !filter.subject));
    else {
      cell('subject').textContent = 'Site-wide';
      cell('subject').classList.add('tf-subtle');
    }
    cell('detail').textContent = describe(entry);
    cell('detail').setAttribute('data-raw-detail', JSON.stringify(entry.detail || {}));
    return row;
  }

  function renderFooter() {
    var filtered = filter.action || filter.subject;
    field('caption').textContent =
      shown === 0
        ? ''
        : plural(shown, 'event', 'events') +
          (filter.subject ? ' of ' + filter.subject.name : '') +
          (nextCursor ? ', newest first; older ones below “Load more”.' : ', newest first.') +
          (filter.subject ? '' : ' Choose a name under “User” to see only that person’s events.');
    field('empty').hidden = shown > 0;
    field('empty-text').textContent = filtered
      ? ' Nothing matches the filter.'
      : ' Events appear here as people set up and use two-step verification and admins change settings.';
    $('table').hidden = shown === 0;
    $('[data-action="more"]').hidden = !nextCursor;
    field('subject-filter').hidden = !filter.subject;
    field('subject-name').textContent = filter.subject ? filter.subject.name : '';
    resize();
  }

  field('filter-action').addEventListener('change', function () {
    filter.action = field('filter-action').value;
    list(false);
  });
  root.addEventListener('submit', function (event) {
    event.preventDefault();
  });
  root.addEventListener('click', function (event) {
    var target = event.target.closest('[data-action]');
    if (!target || target.disabled) return;
    switch (target.getAttribute('data-action')) {
      case 'reload':
      case 'refresh':
        list(false);
        break;
      case 'more':
        list(true);
        break;
      case 'filter-subject':
        filter.subject = { accountId: target.getAttribute('data-account-id'), name: target.getAttribute('data-name') };
        list(false);
        break;
      case 'clear-subject':
        filter.subject = null;
        list(false);
        break;
    }
  });

  list(false);
});

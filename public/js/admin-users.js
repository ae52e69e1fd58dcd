/*
 * "Users": the site's users with their 2FA ID and whether they set up two-step verification
 * (GET /api/v1/admin/users, filtered by group, status and a search, "Load more" with nextCursor). Per user: edit
 * the 2FA ID (PUT, 409 id_taken shown at the input), reset the second factor (POST .../reset, after
 * a confirmation under the row) and lift a lockout (POST .../unlock). Changes the API answers with
 * 403 verification_required ask for a code first (step-up.js).
 */
window.Twofold.adminPage.start('[data-users]', function (page) {
  'use strict';
  var root = page.root;
  var api = window.Twofold.api;
  var BASE = '/api/v1/admin/users';
  var PAGE_SIZE = 50;
  /** The status filter applies within each page of Jira's users: look a few pages on before showing none. */
  var EMPTY_PAGES_BEFORE_ASKING = 5;

  var $ = page.$,
    field = page.field,
    resize = page.resize;
  var rows = field('rows');
  var filter = { group: '', enrolled: '', q: '' };
  var nextCursor = null;
  var shown = 0;
  var loading = null; // the listing under way, so that a second click waits for it
  var userOf = new WeakMap(); // table row -> the user it shows

  var METHOD_NAMES = { totp: 'App or token', backup_codes: 'backup codes', access_pass: 'phone approval' };
  var SOURCE_NAMES = { derived: 'from the ID pattern', pattern: 'from the ID pattern', admin: 'set by an admin', user: 'chosen by the user' };

  function template(name) {
    return $('template[data-template="' + name + '"]').content.firstElementChild.cloneNode(true);
  }
  function cell(row, name) {
    return row.querySelector('[data-cell="' + name + '"]');
  }
  function rowOf(accountId) {
    return Array.prototype.slice.call(rows.querySelectorAll('tr[data-user]')).filter(function (tr) {
      return tr.getAttribute('data-account-id') === accountId;
    })[0];
  }

  function query(cursor) {
    var params = ['limit=' + PAGE_SIZE];
    if (filter.group) params.push('group=' + encodeURIComponent(filter.group));
    if (filter.enrolled) params.push('enrolled=' + filter.enrolled);
    if (filter.q) params.push('q=' + encodeURIComponent(filter.q));
    if (cursor) params.push('cursor=' + encodeURIComponent(cursor));
    return BASE + '?' + params.join('&');
  }

  /** The filters as the CSV export takes them (all pages). */
  function filterQuery() {
    var params = [];
    if (filter.group) params.push('group=' + encodeURIComponent(filter.group));
    if (filter.enrolled) params.push('enrolled=' + filter.enrolled);
    if (filter.q) params.push('q=' + encodeURIComponent(filter.q));
    return params.length ? '?' + params.join('&') : '';
  }

  /** Pages on from `cursor` until some user matches (or a few pages were empty); appends them. */
  function fetchFrom(cursor, emptyPages) {
    return api.get(query(cursor)).then(function (answer) {
      answer.users.forEach(function (user) {
        rows.appendChild(renderRow(user));
      });
      shown += answer.users.length;
      nextCursor = answer.nextCursor;
      if (answer.users.length === 0 && nextCursor && emptyPages + 1 < EMPTY_PAGES_BEFORE_ASKING) return fetchFrom(nextCursor, emptyPages + 1);
    });
  }

  function list(more) {
    if (loading) return loading;
    var button = $('[data-action="more"]');
    button.disabled = true;
    if (!more) {
      rows.textContent = '';
      shown = 0;
      nextCursor = null;
      page.show('loading');
    }
    loading = fetchFrom(more ? nextCursor : null, 0)
      .then(function () {
        renderFooter();
        page.show('ready');
      }, page.loadFailed)
      .then(function () {
        loading = null;
        button.disabled = false;
      });
    return loading;
  }

  function renderFooter() {
    var filtered = filter.group || filter.enrolled || filter.q;
    var status =
      filter.enrolled === 'true' ? ' who set up two-step verification' : filter.enrolled === 'false' ? ' who have not set up two-step verification' : '';
    var where = (filter.group ? ' in ' + filter.group : '') + (filter.q ? ' matching “' + filter.q + '”' : '');
    field('caption').textContent = shown === 0 ? '' : (shown === 1 ? '1 user' : shown + ' users') + where + status + (nextCursor ? ' so far' : '') + '.';
    field('empty').hidden = shown > 0;
    field('empty-text').textContent = nextCursor
      ? ' None in the users looked at so far: load more to look further.'
      : filter.group
        ? ' Check the group name: Jira knows no members of “' + filter.group + '”' + (filter.enrolled ? ' with that status.' : '.')
        : filtered
          ? ' Nobody has that status.'
          : '';
    $('table').hidden = shown === 0;
    $('[data-action="more"]').hidden = !nextCursor;
    $('[data-action="clear-filter"]').hidden = !filtered;
    resize();
  }

  function renderRow(user) {
    var row = template('row');
    row.setAttribute('data-account-id', user.accountId);
    fillRow(row, user);
    return row;
  }

  function fillRow(row, user) {
    userOf.set(row, user);
    cell(row, 'name').textContent = user.displayName;
    cell(row, 'inactive').hidden = user.active !== false;
    cell(row, 'id').textContent = user.twoFactorId;
    cell(row, 'id-source').textContent = SOURCE_NAMES[user.twoFactorIdSource] || '';
    var status = cell(row, 'status');
    // Not set up is a problem only where the policy requires it: "required, not set up" stands out, "optional" does not.
    status.textContent = user.enrolled ? 'On' : user.required ? 'Required, not set up' : 'Optional, not set up';
    status.className = 'tf-lozenge' + (user.enrolled ? ' tf-lozenge--success' : user.required ? ' tf-lozenge--warning' : '');
    status.setAttribute('data-enrolled', user.enrolled ? 'true' : 'false');
    status.setAttribute('data-required', user.required ? 'true' : 'false');
    status.title = user.enrolled
      ? ''
      : user.required
        ? 'A member of a group the policy requires two-step verification of.'
        : 'In no group the policy requires it of.';
    var methods = cell(row, 'methods');
    methods.textContent = user.methods.length
      ? user.methods
          .map(function (m) {
            return METHOD_NAMES[m] || m;
          })
          .join(', ')
      : '–';
    methods.classList.toggle('tf-subtle', user.methods.length === 0);
    row.querySelector('[data-action="reset"]').hidden = !user.enrolled;
    row.querySelector('[data-action="phones"]').hidden = !user.enrolled;
    var locked = isLocked(user);
    var lozenge = cell(row, 'locked');
    lozenge.hidden = !locked;
    lozenge.textContent = locked ? 'Locked until ' + lockEnd(user.lockedUntil) : '';
    lozenge.title = locked ? 'Too many wrong codes. The lockout ends ' + page.formatTime(user.lockedUntil) + '.' : '';
    row.querySelector('[data-action="unlock"]').hidden = !locked;
  }

  /** `lockedUntil` is in the answer since the API shows lockouts; older answers have none. */
  function isLocked(user) {
    return !!user.lockedUntil && Date.parse(user.lockedUntil) > Date.now();
  }
  function lockEnd(iso) {
    var date = new Date(iso);
    return date.toDateString() === new Date().toDateString() ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : page.formatTime(iso);
  }

  // ---- A panel under a row: the reset confirmation, or an action's outcome ----
  function closePanel(row) {
    var next = row.nextElementSibling;
    if (next && next.hasAttribute('data-panel')) next.remove();
  }
  function openPanel(row, name) {
    closePanel(row);
    var panel = template(name);
    panel.setAttribute('data-panel-for', row.getAttribute('data-account-id'));
    row.parentNode.insertBefore(panel, row.nextSibling);
    resize();
    return panel;
  }
  function rowResult(row, kind, title, body, code) {
    var panel = openPanel(row, 'row-result');
    page.result(panel.querySelector('[data-result]'), kind, title, body, code);
  }

  // ---- 2FA ID ----
  function editId(row) {
    closePanel(row);
    var form = row.querySelector('[data-form="id"]');
    var input = form.querySelector('[data-field="twoFactorId"]');
    input.value = userOf.get(row).twoFactorId;
    page.clearErrors(form);
    cell(row, 'id-view').hidden = true;
    form.hidden = false;
    row.querySelector('[data-action="edit-id"]').hidden = true;
    input.focus();
    input.select();
    resize();
  }

  function closeIdForm(row) {
    row.querySelector('[data-form="id"]').hidden = true;
    cell(row, 'id-view').hidden = false;
    row.querySelector('[data-action="edit-id"]').hidden = false;
    resize();
  }

  function saveId(row) {
    var form = row.querySelector('[data-form="id"]');
    var input = form.querySelector('[data-field="twoFactorId"]');
    var user = userOf.get(row);
    var wanted = input.value.trim();
    var submit = form.querySelector('[type=submit]');
    page.clearErrors(form);
    if (wanted === user.twoFactorId) return closeIdForm(row);
    submit.disabled = true;
    return api
      .put(BASE + '/' + encodeURIComponent(user.accountId), { twoFactorId: wanted })
      .then(
        function (answer) {
          user.twoFactorId = answer.twoFactorId;
          user.twoFactorIdSource = answer.twoFactorIdSource;
          fillRow(row, user);
          closeIdForm(row);
          rowResult(
            row,
            'success',
            '2FA ID changed.',
            user.displayName +
              ' now goes by ' +
              answer.twoFactorId +
              (user.enrolled ? '. Their authenticator app keeps showing the old name until they set it up again.' : '.'),
          );
        },
        function (error) {
          if (
            page.stepUp.demand(error, function () {
              return saveId(row);
            })
          )
            return;
          var message = error.code === 'id_taken' ? error.message + ' Choose another.' : error.message;
          if (
            error.code === 'invalid_request' &&
            page.fieldErrors(
              error,
              function (f, problem) {
                return 'The 2FA ID ' + problem + '.';
              },
              form,
            ).length === 0
          )
            message = null;
          if (message) {
            var el = form.querySelector('[data-error="twoFactorId"]');
            el.textContent = message;
            el.hidden = false;
          }
          input.setAttribute('aria-invalid', 'true');
          input.setAttribute('data-code', error.code || '');
          input.focus();
          resize();
        },
      )
      .then(function () {
        submit.disabled = false;
      });
  }

  // ---- Reset ----
  function askReset(row) {
    var user = userOf.get(row);
    var panel = openPanel(row, 'confirm-reset');
    var title = cell(panel, 'confirm-title');
    title.id = 'tf-confirm-' + user.accountId;
    title.textContent = 'Reset the second factor of ' + user.displayName + '?';
    cell(panel, 'confirm-text').textContent =
      'Their authenticator app or token and their backup codes stop working at once, and their current verification ends. ' +
      user.displayName +
      ' must set up two-step verification again before the next verification. Do this when someone lost their phone or token, once you are sure who is asking.';
    var dialog = panel.querySelector('[role="alertdialog"]');
    dialog.setAttribute('aria-labelledby', title.id);
    panel.querySelector('[data-action="cancel-reset"]').focus();
  }

  function reset(row, button, proof) {
    var user = userOf.get(row);
    if (button) button.disabled = true;
    return api
      .post(BASE + '/' + encodeURIComponent(user.accountId) + '/reset', proof)
      .then(
        function () {
          user.enrolled = false;
          user.methods = [];
          fillRow(row, user);
          rowResult(
            row,
            'success',
            'Second factor reset.',
            user.displayName + ' sets up two-step verification again from their profile, under "Two-step verification".',
          );
        },
        function (error) {
          if (
            page.stepUp.demand(error, function (code) {
              return reset(row, undefined, code);
            })
          ) {
            closePanel(row);
            return;
          }
          rowResult(row, 'error', 'Not reset.', error.message || 'Something went wrong.', error.code);
        },
      )
      .then(function () {
        if (button) button.disabled = false;
      });
  }

  // ---- Paired phones (GET and DELETE /api/v1/admin/users/{accountId}/devices) ----
  function showPhones(row) {
    var user = userOf.get(row);
    var panel = openPanel(row, 'phones');
    var devicesUrl = BASE + '/' + encodeURIComponent(user.accountId) + '/devices';
    return api.get(devicesUrl).then(
      function (result) {
        var body = cell(panel, 'phones-list');
        result.devices.forEach(function (device) {
          body.appendChild(
            window.Twofold.deviceRow(device, {
              formatTime: page.formatTime,
              danger: true,
              onRemove: function (button) {
                removePhone(row, devicesUrl + '/' + device.id, button);
              },
            }),
          );
        });
        cell(panel, 'phones-table').hidden = result.devices.length === 0;
        cell(panel, 'phones-none').hidden = result.devices.length > 0;
        resize();
      },
      function (error) {
        page.result(panel.querySelector('[data-result]'), 'error', 'Could not list the phones.', error.message, error.code);
      },
    );
  }
  function removePhone(row, url, button) {
    button.disabled = true;
    return api.del(url).then(
      function () {
        return showPhones(row).then(function () {
          page.result(row.nextElementSibling.querySelector('[data-result]'), 'success', 'Phone removed.', 'It can no longer approve sign-ins.');
        });
      },
      function (error) {
        button.disabled = false;
        if (
          page.stepUp.demand(error, function () {
            return removePhone(row, url, button);
          })
        )
          return;
        page.result(row.nextElementSibling.querySelector('[data-result]'), 'error', 'Not removed.', error.message || 'Something went wrong.', error.code);
      },
    );
  }

  // ---- Lockout ----
  function unlock(row, button) {
    var user = userOf.get(row);
    if (button) button.disabled = true;
    return api
      .post(BASE + '/' + encodeURIComponent(user.accountId) + '/unlock')
      .then(
        function () {
          user.lockedUntil = null;
          fillRow(row, user);
          rowResult(row, 'success', 'Lockout lifted.', user.displayName + ' can enter codes again. Their second factor is unchanged.');
        },
        function (error) {
          if (
            page.stepUp.demand(error, function () {
              return unlock(row);
            })
          )
            return;
          rowResult(row, 'error', 'Still locked.', error.message || 'Something went wrong.', error.code);
        },
      )
      .then(function () {
        if (button) button.disabled = false;
      });
  }

  // ---- Events ----
  root.addEventListener('submit', function (event) {
    event.preventDefault();
    var form = event.target;
    if (form.getAttribute('data-form') === 'filter') {
      filter = { group: field('filter-group').value.trim(), enrolled: field('filter-enrolled').value, q: field('filter-q').value.trim() };
      list(false);
    } else if (form.getAttribute('data-form') === 'id') {
      saveId(form.closest('tr[data-user]'));
    }
  });

  root.addEventListener('keydown', function (event) {
    if (event.key !== 'Escape') return;
    var form = event.target.closest && event.target.closest('[data-form="id"]');
    if (form) closeIdForm(form.closest('tr[data-user]'));
  });

  root.addEventListener('click', function (event) {
    var target = event.target.closest('[data-action]');
    if (!target || target.disabled) return;
    var row = target.closest('tr[data-user]');
    var panel = target.closest('tr[data-panel]');
    if (panel) row = panel.previousElementSibling;
    switch (target.getAttribute('data-action')) {
      case 'reload':
        list(false);
        break;
      case 'more':
        list(true);
        break;
      case 'clear-filter':
        field('filter-group').value = '';
        field('filter-enrolled').value = '';
        field('filter-q').value = '';
        filter = { group: '', enrolled: '', q: '' };
        list(false);
        break;
      case 'edit-id':
        editId(row);
        break;
      case 'cancel-id':
        closeIdForm(row);
        break;
      case 'reset':
        askReset(row);
        break;
      case 'unlock':
        unlock(row, target);
        break;
      case 'phones':
        showPhones(row);
        break;
      case 'reset-confirmed':
        reset(row, target);
        break;
      case 'cancel-reset':
        closePanel(row);
        row.querySelector('[data-action="reset"]').focus();
        break;
    }
  });

  // The site's groups, to pick from (optional: typing a name works without).
  window.Twofold.hostJson('/rest/api/3/groups/picker?maxResults=100').then(
    function (answer) {
      var options = field('group-list');
      (answer.groups || []).forEach(function (group) {
        var option = document.createElement('option');
        option.value = group.name;
        options.appendChild(option);
      });
    },
    function () {},
  );

  // The rollout form, its progress and the directory mirror (admin-rollout.js): a finished job changes the list.
  window.Twofold.usersJobs(page, {
    filterQuery: filterQuery,
    onJobEnded: function () {
      list(false);
    },
  });

  list(false);
});

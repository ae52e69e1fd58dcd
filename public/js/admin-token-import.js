/*
 * "Import hardware tokens" on the users page (views/partials/token-import.hbs): sends the chosen seed
 * file as text/csv to POST /api/v1/admin/tokens/import, lists every bad row when the file is refused
 * (400 invalid_token_file: nothing was imported), follows the import job (job-progress.js), and shows
 * the site's tokens (GET /api/v1/admin/tokens). The file's seeds go to Twofold only; nothing of them
 * is shown or kept on the page.
 */
window.Twofold.adminPage.start('[data-token-import]', function (page) {
  'use strict';
  var root = page.root;
  var api = window.Twofold.api;
  var card = document.querySelector('[data-step-up]');
  var stepUp = card ? window.Twofold.stepUp(card) : null;
  var form = root.querySelector('[data-form="tokens"]');
  var fileInput = root.querySelector('[data-tokens="file"]');
  var submit = root.querySelector('[data-tokens-action="import"]');
  var problems = root.querySelector('[data-tokens="problems"]');
  var progress = root.querySelector('[data-job-progress]');
  var stop = null;

  var REASONS = {
    header_invalid: 'the first line must be the header upn,serial number,secret key,time interval,manufacturer,model',
    column_count: 'it does not have the six columns',
    unterminated_quote: 'a quoted field is never closed',
    upn_missing: 'the upn is empty',
    serial_missing: 'the serial number is empty',
    secret_malformed: 'the secret key is neither base32 nor hex',
    secret_length: 'the secret key is too short or too long (10 to 128 bytes)',
    period_unknown: 'the time interval must be 30 or 60',
    text_too_long: 'a field is longer than 128 characters',
    duplicate_serial: 'the serial number appears on an earlier line',
    duplicate_upn: 'the user already gets a token on an earlier line',
    unknown_upn: 'no user of this site has this 2FA ID or email address',
    too_many_rows: 'the file has more than 50,000 tokens',
    no_rows: 'the file has no tokens',
    serial_exists: 'a token with this serial number was imported before',
    already_enrolled: 'the user has set up an app or token (tick "Replace" to replace it)',
  };

  function showProblems(rows) {
    var list = root.querySelector('[data-tokens="problem-rows"]');
    list.textContent = '';
    root.querySelector('[data-tokens="problems-intro"]').textContent = ' The file has ' + rows.length + ' bad row' + (rows.length === 1 ? '' : 's') + ':';
    rows.forEach(function (row) {
      var li = document.createElement('li');
      li.setAttribute('data-reason', row.reason);
      li.textContent = 'Line ' + row.line + ': ' + (REASONS[row.reason] || row.reason) + '.';
      list.appendChild(li);
    });
    problems.hidden = false;
    page.resize();
  }

  function listTokens() {
    return api.get('/api/v1/admin/tokens').then(function (answer) {
      var tokens = (answer && answer.tokens) || [];
      var body = root.querySelector('[data-tokens="rows"]');
      body.textContent = '';
      tokens.forEach(function (token) {
        var tr = document.createElement('tr');
        tr.setAttribute('data-serial', token.serial);
        tr.setAttribute('data-state', token.state);
        var cells = [
          token.serial,
          token.model || token.manufacturer,
          token.accountId,
          page.formatTime(token.assignedAt || token.importedAt),
          token.state === 'detached'
            ? 'No longer their factor (replaced or removed)'
            : token.state === 'staged'
              ? 'Being imported'
              : token.lastUsedAt
                ? page.formatTime(token.lastUsedAt)
                : 'Never',
        ];
        cells.forEach(function (text, i) {
          var td = document.createElement('td');
          td.textContent = text;
          if (i === 2) {
            window.Twofold.displayName(token.accountId).then(function (name) {
              if (name) td.textContent = name;
            });
          }
          tr.appendChild(td);
        });
        var actions = document.createElement('td');
        var unassignButton = document.createElement('button');
        unassignButton.type = 'button';
        unassignButton.className = 'tf-button tf-button--subtle tf-button--subtle-danger';
        unassignButton.setAttribute('data-tokens-action', 'unassign');
        unassignButton.textContent = 'Unassign';
        unassignButton.addEventListener('click', function () {
          unassign(token, unassignButton);
        });
        actions.appendChild(unassignButton);
        tr.appendChild(actions);
        body.appendChild(tr);
      });
      root.querySelector('[data-tokens="table"]').hidden = tokens.length === 0;
      page.resize();
    });
  }

  /** Takes the token away from its user (their factor goes with it, if it is still theirs). */
  function unassign(token, button) {
    button.disabled = true;
    return api.del('/api/v1/admin/tokens/' + encodeURIComponent(token.serial)).then(
      function () {
        page.result('tokens', 'success', 'Token unassigned.', 'Token ' + token.serial + ' no longer works for its user.');
        return listTokens();
      },
      function (error) {
        button.disabled = false;
        if (
          stepUp &&
          stepUp.demand(error, function () {
            return unassign(token, button);
          })
        )
          return;
        page.failed('tokens', 'Token not unassigned.', error);
      },
    );
  }

  function follow(jobId) {
    if (stop) stop();
    submit.disabled = true;
    stop = window.Twofold.jobProgress(progress, jobId, {
      describe: function (error) {
        return error.message;
      },
      onEnd: function (job) {
        submit.disabled = false;
        var ok = job.state === 'succeeded' && job.failed === 0;
        page.result(
          'tokens',
          ok ? 'success' : 'error',
          ok ? 'Tokens imported.' : 'Import finished with problems.',
          job.done + ' token(s) assigned' + (job.failed ? ', ' + job.failed + ' not (listed below).' : '.'),
        );
        listTokens().catch(function () {
          /* the list is shown again on the next load */
        });
      },
    });
  }

  function upload(text, replace) {
    submit.disabled = true;
    return api.postFile('/api/v1/admin/tokens/import' + (replace ? '?replace=true' : ''), 'text/csv', text).then(
      function (answer) {
        fileInput.value = '';
        follow(answer.jobId);
      },
      function (error) {
        submit.disabled = false;
        if (
          stepUp &&
          stepUp.demand(error, function () {
            return upload(text, replace);
          })
        )
          return;
        if (error.code === 'invalid_token_file' && error.details && error.details.rows) return showProblems(error.details.rows);
        page.failed('tokens', 'Tokens not imported.', error);
      },
    );
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    problems.hidden = true;
    var file = fileInput.files && fileInput.files[0];
    if (!file) {
      page.result('tokens', 'error', 'Choose a file first.', 'Pick the seed file (CSV) of the tokens.');
      return;
    }
    file.text().then(function (text) {
      upload(text, root.querySelector('[data-tokens="replace"]').checked);
    });
  });

  listTokens().catch(function () {
    /* no list: the import still works */
  });
  window.Twofold.activeJob(['token_import']).then(
    function (job) {
      if (job) follow(job.id);
    },
    function () {
      /* nothing to resume */
    },
  );
});

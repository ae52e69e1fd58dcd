/*
 * "Directory sync" on the users page (views/partials/directory-sync.hbs): starts an export or a compare
 * (POST /api/v1/admin/sync) and follows its job (job-progress.js); a job already running when the page
 * opens is followed too. Changes need a verification in this browser (the page's step-up card).
 */
window.Twofold.adminPage.start('[data-directory-sync]', function (page) {
  'use strict';
  var root = page.root;
  var api = window.Twofold.api;
  var card = document.querySelector('[data-step-up]');
  var stepUp = card ? window.Twofold.stepUp(card) : null;
  var progress = root.querySelector('[data-job-progress]');
  var buttons = Array.prototype.slice.call(root.querySelectorAll('[data-sync-action]'));
  var stop = null;

  var FINDINGS = {
    missing: 'has no twofold-id property in Jira',
    different: 'differs',
    invalid_property: 'has a twofold-id property Twofold cannot use',
    unknown_user: 'is not a user Jira knows',
    id_taken: 'has an ID in Jira that another user holds',
  };
  function describe(error) {
    var words = FINDINGS[error.code];
    return error.item + ': ' + (words ? words + '. ' : '') + error.message;
  }

  function busy(on) {
    buttons.forEach(function (button) {
      button.disabled = on;
    });
  }

  function follow(jobId) {
    if (stop) stop();
    busy(true);
    stop = window.Twofold.jobProgress(progress, jobId, {
      describe: describe,
      onEnd: function (job) {
        busy(false);
        var kind = job.state === 'succeeded' ? 'success' : 'error';
        var title = job.kind === 'sync_export' ? 'Export finished.' : 'Compare finished.';
        if (job.state !== 'succeeded') title = job.kind === 'sync_export' ? 'Export stopped.' : 'Compare stopped.';
        var body =
          job.kind === 'sync_export'
            ? job.done + ' user(s) in step with Jira' + (job.failed ? ', ' + job.failed + ' with a problem (listed below).' : '.')
            : job.done + ' user(s) the same in Jira' + (job.failed ? ', ' + job.failed + ' different (listed below).' : '.');
        page.result('sync', kind, title, job.stopReason ? job.stopReason.message : body);
      },
    });
  }

  function start(direction) {
    var body = { direction: direction, target: root.querySelector('[data-sync="target"]').value };
    if (direction === 'import' && root.querySelector('[data-sync="adopt"]').checked) body.adopt = true;
    busy(true);
    return api.post('/api/v1/admin/sync', body).then(
      function (answer) {
        follow(answer.jobId);
      },
      function (error) {
        busy(false);
        if (
          stepUp &&
          stepUp.demand(error, function () {
            return start(direction);
          })
        )
          return;
        if (error.code === 'job_running' && error.details && error.details.jobId) {
          follow(error.details.jobId);
          return;
        }
        page.failed('sync', direction === 'export' ? 'Export not started.' : 'Compare not started.', error);
      },
    );
  }

  buttons.forEach(function (button) {
    button.addEventListener('click', function () {
      start(button.getAttribute('data-sync-action'));
    });
  });

  // A sync started earlier (this page, another tab) keeps its progress when the page opens again.
  window.Twofold.activeJob(['sync_export', 'sync_import']).then(
    function (job) {
      if (job) follow(job.id);
    },
    function () {
      /* the buttons still work; the listing is only a convenience */
    },
  );
});

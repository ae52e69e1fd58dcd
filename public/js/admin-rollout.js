/*
 * The users page's jobs: the rollout form and its progress bar (POST /api/v1/admin/rollouts, then
 * GET /api/v1/admin/jobs/{jobId} every second until it ends, with the failures and their reasons), the
 * directory mirror's last refresh and "Refresh now" (POST /api/v1/admin/directory/refresh), and "Export CSV"
 * (GET /api/v1/admin/users.csv). The progress is read back from the site's recent jobs when the page
 * opens (GET /api/v1/admin/jobs), so a rollout started earlier keeps its bar when the page is reopened.
 * admin-users.js calls window.Twofold.usersJobs(page, hooks) with its page.
 */
(function () {
  'use strict';
  var POLL_MS = 1000;
  var STATE_WORDS = { queued: 'Waiting', running: 'Running', succeeded: 'Done', failed: 'Stopped', cancelled: 'Cancelled' };
  var STATE_CLASS = { succeeded: ' tf-lozenge--success', failed: ' tf-lozenge--danger', running: ' tf-lozenge--info', queued: ' tf-lozenge--info' };

  window.Twofold = window.Twofold || {};
  window.Twofold.usersJobs = function (page, hooks) {
    var api = window.Twofold.api;
    var field = page.field;
    var $ = page.$;
    var rolloutTimer = null;
    var refreshTimer = null;
    var rolloutJobId = null;

    function active(job) {
      return job.state === 'queued' || job.state === 'running';
    }

    // ---- Rollout ----
    function showRollout(job) {
      rolloutJobId = job.id;
      var box = field('rollout-job');
      box.hidden = false;
      box.setAttribute('data-state', job.state);
      box.setAttribute('data-job-id', job.id);
      field('rollout-job-title').textContent = 'Rollout started ' + page.formatTime(job.startedAt || job.createdAt);
      var state = field('rollout-job-state');
      state.textContent = STATE_WORDS[job.state] || job.state;
      state.className = 'tf-lozenge' + (STATE_CLASS[job.state] || '');
      var progress = field('rollout-progress');
      progress.max = Math.max(job.total, 1);
      progress.value = job.done + job.failed;
      var counts = job.done + job.failed + ' of ' + job.total + ' users';
      if (active(job) && job.total === 0) counts = 'Reading the group’s members…';
      if (job.failed > 0) counts += ' · ' + job.failed + ' failed';
      if (job.state === 'succeeded') counts += ' · the group now must use two-step verification';
      field('rollout-counts').textContent = counts;
      var list = field('rollout-errors');
      list.textContent = '';
      job.errors.forEach(function (error) {
        var item = document.createElement('li');
        item.setAttribute('data-code', error.code);
        item.textContent = error.message + (error.item ? '' : ' (' + error.code + ')');
        list.appendChild(item);
      });
      $('[data-action="cancel-rollout"]').hidden = !active(job);
      page.resize();
    }

    function pollRollout(jobId) {
      clearTimeout(rolloutTimer);
      return api.get('/api/v1/admin/jobs/' + encodeURIComponent(jobId)).then(
        function (job) {
          showRollout(job);
          if (active(job)) {
            rolloutTimer = setTimeout(pollRollout, POLL_MS, jobId);
            return;
          }
          if (hooks.onJobEnded) hooks.onJobEnded(job);
          // A finished rollout starts a refresh of the users: show it, and the list again when it ends.
          followRunningRefresh();
        },
        function () {
          rolloutTimer = setTimeout(pollRollout, POLL_MS * 3, jobId);
        },
      );
    }

    function startRollout() {
      var form = $('[data-form="rollout"]');
      page.clearErrors(form);
      var body = { group: field('rollout-group').value.trim(), target: field('rollout-target').value };
      var pattern = field('rollout-pattern').value.trim();
      if (pattern) body.idPattern = pattern;
      if (field('rollout-overwrite').checked) body.overwrite = true;
      var button = $('[data-action="start-rollout"]');
      button.disabled = true;
      return api
        .post('/api/v1/admin/rollouts', body)
        .then(
          function (answer) {
            return pollRollout(answer.jobId);
          },
          function (error) {
            if (page.stepUp && page.stepUp.demand(error, startRollout)) return;
            if (error.code === 'job_running' && error.details) return pollRollout(error.details.jobId);
            if (error.code === 'invalid_request' && page.fieldErrors(error, null, form).length === 0) return;
            page.failed('rollout', 'The rollout did not start.', error);
          },
        )
        .then(function () {
          button.disabled = false;
        });
    }

    function cancelRollout() {
      if (!rolloutJobId) return;
      var jobId = rolloutJobId;
      return api.post('/api/v1/admin/jobs/' + encodeURIComponent(jobId) + '/cancel').then(
        function (job) {
          showRollout(job);
        },
        function (error) {
          if (page.stepUp && page.stepUp.demand(error, cancelRollout)) return;
          page.failed('rollout', 'Not cancelled.', error);
        },
      );
    }

    // ---- The directory mirror ----
    function showDirectory() {
      return api.get('/api/v1/admin/directory').then(
        function (status) {
          var text = status.refreshedAt
            ? 'Users last read from Jira ' + page.formatTime(status.refreshedAt) + ' (' + status.sources.map(describeSource).join(', ') + ').'
            : 'Twofold has not read this site’s users yet.';
          if (refreshTimer) text = 'Reading the users from Jira… ' + text;
          field('directory-status').textContent = text;
          field('directory').setAttribute('data-refreshed-at', status.refreshedAt || '');
          page.resize();
        },
        function () {},
      );
    }
    function describeSource(source) {
      return source.userCount + (source.source === 'connector' ? ' from Data Center' : ' users');
    }

    function pollRefresh(jobId) {
      clearTimeout(refreshTimer);
      refreshTimer = -1;
      field('directory').setAttribute('data-refreshing', 'true');
      return api.get('/api/v1/admin/jobs/' + encodeURIComponent(jobId)).then(
        function (job) {
          if (active(job)) {
            refreshTimer = setTimeout(pollRefresh, POLL_MS, jobId);
            return showDirectory();
          }
          refreshTimer = null;
          field('directory').removeAttribute('data-refreshing');
          if (job.state !== 'succeeded') page.failed('directory', 'The users could not be read from Jira.', job.errors[0] || {});
          if (hooks.onJobEnded) hooks.onJobEnded(job);
          return showDirectory();
        },
        function () {
          refreshTimer = setTimeout(pollRefresh, POLL_MS * 3, jobId);
        },
      );
    }

    function refreshNow() {
      var button = $('[data-action="refresh-directory"]');
      button.disabled = true;
      return api
        .post('/api/v1/admin/directory/refresh', {})
        .then(
          function (answer) {
            return pollRefresh(answer.jobId);
          },
          function (error) {
            if (page.stepUp && page.stepUp.demand(error, refreshNow)) return;
            if (error.code === 'job_running' && error.details) return pollRefresh(error.details.jobId);
            page.failed('directory', 'Not refreshed.', error);
          },
        )
        .then(function () {
          button.disabled = false;
        });
    }

    // ---- Export ----
    /** The CSV is fetched with the page's token (a plain link would carry none), then saved as a file. */
    function exportCsv() {
      var button = $('[data-action="export-csv"]');
      button.disabled = true;
      return window.AP.context
        .getToken()
        .then(function (jwt) {
          return fetch('/api/v1/admin/users.csv' + (hooks.filterQuery ? hooks.filterQuery() : ''), { headers: { Authorization: 'JWT ' + jwt } });
        })
        .then(function (response) {
          if (!response.ok) {
            return response.json().then(function (payload) {
              var error = (payload && payload.error) || { code: 'internal_error', message: 'Something went wrong.' };
              page.failed('directory', 'Not exported.', error);
            });
          }
          return response.blob().then(function (blob) {
            var link = document.createElement('a');
            link.href = URL.createObjectURL(blob);
            link.download = 'twofold-users.csv';
            document.body.appendChild(link);
            link.click();
            setTimeout(function () {
              URL.revokeObjectURL(link.href);
              link.remove();
            }, 1000);
          });
        })
        .then(
          function () {
            button.disabled = false;
          },
          function () {
            button.disabled = false;
          },
        );
    }

    // ---- Events ----
    page.root.addEventListener('submit', function (event) {
      if (event.target.getAttribute('data-form') !== 'rollout') return;
      event.preventDefault();
      startRollout();
    });
    page.root.addEventListener('click', function (event) {
      var target = event.target.closest('[data-action]');
      if (!target || target.disabled) return;
      switch (target.getAttribute('data-action')) {
        case 'cancel-rollout':
          cancelRollout();
          break;
        case 'refresh-directory':
          refreshNow();
          break;
        case 'export-csv':
          exportCsv();
          break;
      }
    });

    function followRunningRefresh() {
      return api.get('/api/v1/admin/jobs?limit=20').then(
        function (answer) {
          var refresh = answer.jobs.filter(function (job) {
            return job.kind === 'directory_refresh';
          })[0];
          if (refresh && active(refresh)) return pollRefresh(refresh.id);
          if (hooks.onJobEnded && refresh) hooks.onJobEnded(refresh);
          return showDirectory();
        },
        function () {},
      );
    }

    // A rollout or refresh started earlier (on this page or another browser) keeps its progress.
    api.get('/api/v1/admin/jobs?limit=20').then(
      function (answer) {
        var rollout = answer.jobs.filter(function (job) {
          return job.kind === 'rollout';
        })[0];
        if (rollout) {
          showRollout(rollout);
          if (active(rollout)) pollRollout(rollout.id);
        }
        var refresh = answer.jobs.filter(function (job) {
          return job.kind === 'directory_refresh' && active(job);
        })[0];
        if (refresh) pollRefresh(refresh.id);
      },
      function () {},
    );
    showDirectory();
  };
})();

/*
 * A durable job's progress on an admin page: polls GET /api/v1/admin/jobs/{jobId} until the job ends,
 * and fills a progress block (views/partials/job-progress.hbs): the bar (done + failed of total), a line
 * in words, and the failed items with their reasons (the first 100, as the API lists them). Shared by
 * the directory sync and the hardware token import sections.
 */
(function () {
  'use strict';
  window.Twofold = window.Twofold || {};
  if (window.Twofold.jobProgress) return; // included by more than one section of a page

  var POLL_MS = 1000;
  var STATE_WORDS = { queued: 'Waiting to start', running: 'Running', succeeded: 'Finished', failed: 'Stopped', cancelled: 'Cancelled' };

  function part(block, name) {
    return block.querySelector('[data-job="' + name + '"]');
  }

  /**
   * Follows job `jobId` in `block`. `describe(error)` words one failed item (default: its message);
   * `onEnd(job)` runs once the job has ended. Answers a function that stops following.
   */
  window.Twofold.jobProgress = function (block, jobId, options) {
    var stopped = false;
    var timer = null;
    var describe =
      (options && options.describe) ||
      function (error) {
        return error.message;
      };
    block.hidden = false;
    block.setAttribute('data-job-id', jobId);

    function render(job) {
      var bar = part(block, 'bar');
      var finished = job.done + job.failed;
      bar.max = Math.max(job.total, 1);
      bar.value = finished;
      block.setAttribute('data-job-state', job.state);
      var words = (STATE_WORDS[job.state] || job.state) + ': ' + finished + ' of ' + job.total;
      if (job.failed > 0) words += ', ' + job.failed + ' with a problem';
      if (job.stopReason) words += '. ' + job.stopReason.message;
      part(block, 'text').textContent = words;
      var list = part(block, 'errors');
      list.textContent = '';
      (job.errors || [])
        .filter(function (error) {
          return error.item !== null;
        })
        .forEach(function (error) {
          var li = document.createElement('li');
          li.setAttribute('data-code', error.code);
          li.textContent = describe(error);
          list.appendChild(li);
        });
      list.hidden = list.children.length === 0;
      if (window.AP && window.AP.resize) window.AP.resize();
    }

    function poll() {
      if (stopped) return;
      window.Twofold.api.get('/api/v1/admin/jobs/' + encodeURIComponent(jobId)).then(
        function (job) {
          if (stopped) return;
          render(job);
          if (job.state === 'queued' || job.state === 'running') timer = setTimeout(poll, POLL_MS);
          else if (options && options.onEnd) options.onEnd(job);
        },
        function (error) {
          if (stopped) return;
          part(block, 'text').textContent = 'Progress unavailable: ' + (error.message || 'Twofold could not be reached') + '. Trying again…';
          timer = setTimeout(poll, POLL_MS * 3);
        },
      );
    }
    poll();
    return function stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  };

  /** The newest job of one of `kinds` that is still queued or running, or null (to resume its progress). */
  window.Twofold.activeJob = function (kinds) {
    return window.Twofold.api.get('/api/v1/admin/jobs?limit=20').then(function (answer) {
      var jobs = (answer && answer.jobs) || [];
      return (
        jobs.filter(function (job) {
          return kinds.indexOf(job.kind) >= 0 && (job.state === 'queued' || job.state === 'running');
        })[0] || null
      );
    });
  };
})();

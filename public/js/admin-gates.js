/*
 * "Data Center gate": GET /api/v1/admin/gates, create (the nginx snippet with the key, shown once, with
 * a copy button), revoke. Writes need this browser's recent verification once the admin is enrolled
 * (the step-up card).
 */
window.Twofold.adminPage.start('[data-gates]', function (page) {
  'use strict';
  var root = page.root;
  var api = window.Twofold.api;
  var BASE = '/api/v1/admin/gates';
  var field = page.field;

  function cell(text) {
    var td = document.createElement('td');
    td.textContent = text;
    return td;
  }

  function render(gates) {
    var rows = field('rows');
    rows.textContent = '';
    gates.forEach(function (gate) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-gate', gate.id);
      tr.appendChild(cell(gate.name));
      tr.appendChild(cell(page.formatTime(gate.createdAt)));
      tr.appendChild(cell(gate.lastUsedAt ? page.formatTime(gate.lastUsedAt) : 'never'));
      var actions = document.createElement('td');
      var revoke = document.createElement('button');
      revoke.type = 'button';
      revoke.className = 'tf-button tf-button--danger';
      revoke.textContent = 'Revoke';
      revoke.setAttribute('data-action', 'revoke');
      revoke.setAttribute('data-id', gate.id);
      revoke.setAttribute('data-name', gate.name);
      actions.appendChild(revoke);
      tr.appendChild(actions);
      rows.appendChild(tr);
    });
    field('empty').hidden = gates.length > 0;
    page.resize();
  }

  function load() {
    return api.get(BASE).then(function (answer) {
      render(answer.gates);
      page.show('ready');
    }, page.loadFailed);
  }

  function create() {
    page.clearErrors();
    var name = field('name').value.trim();
    api.post(BASE, { name: name }).then(
      function (created) {
        field('name').value = '';
        field('snippet').textContent = created.nginxConfig;
        root.querySelector('[data-section-created]').hidden = false;
        page.result('create', 'success', 'Gate created.', 'Copy the nginx snippet below now: its key is not shown again.');
        load();
      },
      function (error) {
        if (page.stepUp && page.stepUp.demand(error, create)) return;
        if (error.code === 'connector_not_ready') {
          page.result('create', 'error', 'Connect Data Center first.', error.message, error.code);
          return;
        }
        page.fieldErrors(error);
        page.failed('create', 'Gate not created.', error);
      },
    );
  }

  function revoke(id, name) {
    if (!window.confirm('Revoke the gate "' + name + '"? nginx with its key refuses every request at once (401) until it has a new key.')) return;
    api.del(BASE + '/' + encodeURIComponent(id)).then(
      function () {
        page.flash('success', 'Gate revoked.', 'Its key stopped working on every Twofold instance.');
        load();
      },
      function (error) {
        if (
          page.stepUp &&
          page.stepUp.demand(error, function () {
            return revoke(id, name);
          })
        )
          return;
        page.flash('error', 'Gate not revoked.', error.message);
      },
    );
  }

  function copy(name) {
    window.Twofold.copyText(page, field(name), field(name).textContent, ['Copied', 'Paste it into the nginx configuration.']);
  }

  root.addEventListener('submit', function (event) {
    event.preventDefault();
    if (event.target.getAttribute('data-form') === 'create') create();
  });
  root.addEventListener('click', function (event) {
    var target = event.target.closest('[data-action], [data-copy]');
    if (!target) return;
    if (target.hasAttribute('data-copy')) return copy(target.getAttribute('data-copy'));
    if (target.getAttribute('data-action') === 'revoke') revoke(target.getAttribute('data-id'), target.getAttribute('data-name'));
  });

  load();
});

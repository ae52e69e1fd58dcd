/*
 * "Two-step verification policy": a form over GET/PUT /api/v1/admin/policy. Save sends the whole
 * form; 400 invalid_policy puts each problem next to its field; 403 verification_required asks for a
 * code first (step-up.js). The groups of the site and the ID pattern's preview for the admin come from
 * Jira through AP.request; without them the form still works.
 */
window.Twofold.adminPage.start('[data-policy]', function (page) {
  'use strict';
  var root = page.root;
  var api = window.Twofold.api;
  var BASE = '/api/v1/admin/policy';

  var $ = page.$,
    all = page.all,
    field = page.field,
    setText = page.setText,
    resize = page.resize;
  var form = $('[data-form="policy"]');
  var saved = null; // the form as last loaded or saved, to tell unsaved changes
  var siteGroups = null; // {names: [...], complete: bool} once Jira answered
  var myself = null;

  var NUMBER_FIELDS = [
    'sessionTimeoutMinutes',
    'stepUpMinutes',
    'lockout.maxFailures',
    'lockout.windowMinutes',
    'lockout.tenantMaxFailures',
    'gate.readGraceMinutes',
    'gate.writeGraceMinutes',
  ];
  var SELECT_FIELDS = ['totp.algorithm', 'totp.digits', 'totp.period', 'totp.window', 'gate.basicAuth'];
  var TEXT_FIELDS = ['idPattern', 'branding.serviceName', 'branding.companyName', 'branding.color'];

  function get(object, path) {
    return path.split('.').reduce(function (value, key) {
      return value == null ? value : value[key];
    }, object);
  }
  function set(object, path, value) {
    var keys = path.split('.');
    var last = keys.pop();
    var target = keys.reduce(function (inner, key) {
      return (inner[key] = inner[key] || {});
    }, object);
    target[last] = value;
  }

  /** Lines or comma-separated entries, trimmed, empty ones left out. */
  function entries(text) {
    return text
      .split(/[\n,]/)
      .map(function (s) {
        return s.trim();
      })
      .filter(Boolean);
  }

  /** A whole number stays a number; anything else goes as typed, so that the API names the problem. */
  function numberOf(text) {
    return /^\s*-?\d+\s*$/.test(text) ? Number(text) : text;
  }

  function fill(policy) {
    field('enforcedGroups').value = policy.enforcedGroups.join('\n');
    field('ipSafeZones').value = policy.ipSafeZones.join('\n');
    all('input[name="methods"]').forEach(function (input) {
      input.checked = policy.methods.indexOf(input.value) >= 0;
    });
    field('accessPass.showSymbol').checked = !policy.accessPass || policy.accessPass.showSymbol !== false;
    SELECT_FIELDS.concat(NUMBER_FIELDS, TEXT_FIELDS).forEach(function (path) {
      var value = get(policy, path);
      field(path).value = value == null ? '' : String(value);
    });
    field('allowUserChosenId').checked = !!policy.allowUserChosenId;
    field('confirmEmailOnEnrollment').checked = !!policy.confirmEmailOnEnrollment;
    field('writeBack').checked = !!policy.writeBack;
    field('gate.selfEnrollment').checked = !!(policy.gate && policy.gate.selfEnrollment);
    field('gate.trustedProxies').value = ((policy.gate && policy.gate.trustedProxies) || []).join('\n');
    field('color-picker').value = /^#[0-9a-f]{6}$/i.test(policy.branding.color) ? policy.branding.color : '#0c66e4';
    saved = JSON.stringify(collect());
    refresh();
  }

  /** The whole policy as the form says it (PUT takes it as it is). */
  function collect() {
    var body = {
      enforcedGroups: entries(field('enforcedGroups').value),
      ipSafeZones: entries(field('ipSafeZones').value),
      methods: all('input[name="methods"]:checked').map(function (input) {
        return input.value;
      }),
      allowUserChosenId: field('allowUserChosenId').checked,
      confirmEmailOnEnrollment: field('confirmEmailOnEnrollment').checked,
      accessPass: { showSymbol: field('accessPass.showSymbol').checked },
      writeBack: field('writeBack').checked,
      gate: { selfEnrollment: field('gate.selfEnrollment').checked, trustedProxies: entries(field('gate.trustedProxies').value) },
    };
    SELECT_FIELDS.forEach(function (path) {
      var el = field(path);
      set(body, path, el.hasAttribute('data-number') ? Number(el.value) : el.value);
    });
    NUMBER_FIELDS.forEach(function (path) {
      set(body, path, numberOf(field(path).value));
    });
    TEXT_FIELDS.forEach(function (path) {
      set(body, path, field(path).value.trim());
    });
    return body;
  }

  function load() {
    return api.get(BASE).then(function (policy) {
      fill(policy);
      page.show('ready');
    }, page.loadFailed);
  }

  /** Hints that follow the form: unsaved changes, the session length in words, groups, the ID preview. */
  function refresh() {
    var dirty = saved !== null && JSON.stringify(collect()) !== saved;
    field('unsaved').hidden = !dirty;
    $('[data-action="discard"]').disabled = !dirty;
    root.setAttribute('data-dirty', dirty ? 'true' : 'false');
    $('[data-hint="sessionTimeoutMinutes"]').textContent = duration(Number(field('sessionTimeoutMinutes').value));
    $('[data-hint="lockout"]').textContent = lockoutInWords(Number(field('lockout.maxFailures').value), Number(field('lockout.windowMinutes').value));
    renderGroups();
    renderPreview();
    resize();
  }

  /**
   * What `lockout.maxFailures` does, with the numbers typed: the wrong code that reaches it locks
   * (src/domain/mfa/lockout.ts), so n - 1 wrong codes still leave one try.
   */
  function lockoutInWords(failures, minutes) {
    var general = 'The wrong code that reaches this number within the window locks the user out.';
    if (!(failures >= 1) || Math.floor(failures) !== failures) return general;
    var within = minutes >= 1 && Math.floor(minutes) === minutes ? minutes + (minutes === 1 ? ' minute' : ' minutes') : 'the window';
    if (failures === 1) return 'The first wrong code within ' + within + ' locks the user out for ' + within + '.';
    return (
      'The ' +
      ordinal(failures) +
      ' wrong code within ' +
      within +
      ' locks the user out for ' +
      within +
      '; after ' +
      (failures - 1) +
      (failures === 2 ? ' wrong code' : ' wrong codes') +
      ' the right one still gets in.'
    );
  }
  function ordinal(n) {
    var tens = n % 100,
      units = n % 10;
    var suffix = tens >= 11 && tens <= 13 ? 'th' : units === 1 ? 'st' : units === 2 ? 'nd' : units === 3 ? 'rd' : 'th';
    return n + suffix;
  }

  function duration(minutes) {
    if (!(minutes > 0) || Math.floor(minutes) !== minutes) return '';
    var days = Math.floor(minutes / 1440),
      hours = Math.floor((minutes % 1440) / 60),
      rest = minutes % 60;
    var parts = [];
    if (days) parts.push(days + (days === 1 ? ' day' : ' days'));
    if (hours) parts.push(hours + (hours === 1 ? ' hour' : ' hours'));
    if (rest) parts.push(rest + (rest === 1 ? ' minute' : ' minutes'));
    return minutes >= 60 ? '= ' + parts.join(' ') + '. ' : '';
  }

  /** The site's groups as chips that add themselves; names Jira does not know get a warning. */
  function renderGroups() {
    if (!siteGroups) return;
    var chosen = entries(field('enforcedGroups').value);
    var lower = chosen.map(function (name) {
      return name.toLowerCase();
    });
    var offered = siteGroups.names.filter(function (name) {
      return lower.indexOf(name.toLowerCase()) < 0;
    });
    var chips = field('group-chips');
    // Rebuilt only when the offer changes: a chip replaced between mousedown and mouseup gets no click.
    if (chips.getAttribute('data-offered') !== offered.join('\n')) {
      chips.setAttribute('data-offered', offered.join('\n'));
      chips.textContent = '';
      offered.forEach(function (name) {
        var chip = document.createElement('button');
        chip.type = 'button';
        chip.className = 'tf-chip';
        chip.setAttribute('data-add-group', name);
        chip.setAttribute('aria-label', 'Add the group ' + name);
        chip.textContent = '+ ' + name;
        chips.appendChild(chip);
      });
    }
    field('group-suggestions').hidden = offered.length === 0;
    var known = siteGroups.names.map(function (name) {
      return name.toLowerCase();
    });
    var unknown = siteGroups.complete
      ? chosen.filter(function (name) {
          return known.indexOf(name.toLowerCase()) < 0;
        })
      : [];
    var warning = $('[data-warning="enforcedGroups"]');
    warning.hidden = unknown.length === 0;
    warning.textContent =
      unknown.length === 0
        ? ''
        : (unknown.length === 1 ? 'Jira has no group named ' : 'Jira has no groups named ') +
          unknown
            .map(function (name) {
              return '“' + name + '”';
            })
            .join(', ') +
          ': nobody is asked through ' +
          (unknown.length === 1 ? 'it.' : 'them.');
  }

  function addGroup(name) {
    var textarea = field('enforcedGroups');
    var text = textarea.value.replace(/\s+$/, '');
    textarea.value = text ? text + '\n' + name : name;
    refresh();
  }

  /** What the pattern gives the admin, worked out as Twofold does (src/domain/idmap/id-pattern.ts). */
  function renderPreview() {
    var box = field('id-preview');
    if (!myself) {
      box.hidden = true;
      return;
    }
    var pattern = field('idPattern').value.trim();
    var email = (myself.emailAddress || '').trim().toLowerCase() || null;
    var local = email && email.indexOf('@') >= 0 ? email.slice(0, email.lastIndexOf('@')) : null;
    var values = { '%email%': email, '%emailLocalPart%': local, '%username%': local, '%accountId%': myself.accountId };
    var problem = null;
    var used = 0;
    var preview = pattern.replace(/%[A-Za-z]+%/g, function (name) {
      used += 1;
      if (!(name in values)) {
        problem = problem || 'unknown placeholder ' + name;
        return name;
      }
      if (values[name] === null) {
        problem = problem || 'your email address is hidden, so you would get your account ID';
        return name;
      }
      return values[name];
    });
    if (!pattern || used === 0) problem = 'add at least one placeholder';
    box.hidden = false;
    box.classList.toggle('tf-id-preview--problem', !!problem);
    setText('id-preview-value', problem ? '' : preview);
    field('id-preview-value').hidden = !!problem;
    setText('id-preview-label', problem ? 'Preview: ' + problem + '.' : 'For you (' + (myself.displayName || myself.accountId) + ') this gives');
  }

  function describe(path, problem) {
    var match = /^(enforcedGroups|ipSafeZones)\.(\d+)$/.exec(path);
    var end = /[.?!]$/.test(problem) ? '' : '.';
    if (!match) return problem.charAt(0).toUpperCase() + problem.slice(1) + end;
    var entry = entries(field(match[1]).value)[Number(match[2])];
    return '“' + (entry === undefined ? '' : entry) + '” ' + problem + end;
  }

  function save() {
    var button = $('[data-action="save"]');
    var body = collect();
    page.clearErrors(form);
    field('invalid-summary').hidden = true;
    page.result('save');
    button.disabled = true;
    return api
      .put(BASE, body)
      .then(
        function (policy) {
          fill(policy);
          page.result('save', 'success', 'Policy saved.', 'It applies from the next verification on.');
        },
        function (error) {
          if (page.stepUp.demand(error, save)) return;
          if (error.code === 'invalid_policy' || error.code === 'invalid_request') {
            var unplaced = page.fieldErrors(error, describe, form);
            var count = ((error.details && error.details.fields) || []).length;
            if (unplaced.length) {
              var other = $('[data-error="other"]');
              other.textContent = unplaced.join('; ');
              other.hidden = false;
            }
            setText('invalid-text', ' ' + (count === 1 ? 'One field needs' : count + ' fields need') + ' a change; each is marked above.');
            field('invalid-summary').hidden = false;
            page.flag('save', 'Policy not saved', 'Check the marked fields.', 'error');
            var first = form.querySelector('[data-error]:not([hidden])');
            var input = first && first.parentNode.querySelector('input:not([type=color]), textarea, select');
            if (input) input.focus();
            resize();
            return;
          }
          page.failed('save', 'Policy not saved.', error);
        },
      )
      .then(function () {
        button.disabled = false;
      });
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    save();
  });
  form.addEventListener('input', function (event) {
    if (event.target === field('color-picker')) field('branding.color').value = event.target.value;
    if (event.target === field('branding.color') && /^#[0-9a-f]{6}$/i.test(event.target.value.trim()))
      field('color-picker').value = event.target.value.trim().toLowerCase();
    refresh();
  });
  form.addEventListener('change', refresh);
  root.addEventListener('click', function (event) {
    var target = event.target.closest('[data-action], [data-add-group]');
    if (!target || target.disabled) return;
    if (target.hasAttribute('data-add-group')) return addGroup(target.getAttribute('data-add-group'));
    switch (target.getAttribute('data-action')) {
      case 'reload':
        page.show('loading');
        load();
        break;
      case 'discard':
        page.clearErrors(form);
        field('invalid-summary').hidden = true;
        page.result('save');
        fill(JSON.parse(saved));
        break;
    }
  });

  // Jira's view of the site (optional): group names to pick from, and the admin for the ID preview.
  window.Twofold.hostJson('/rest/api/3/groups/picker?maxResults=100').then(
    function (answer) {
      var names = (answer.groups || []).map(function (group) {
        return group.name;
      });
      siteGroups = { names: names, complete: typeof answer.total === 'number' && answer.total <= names.length };
      refresh();
    },
    function () {},
  );
  window.Twofold.hostJson('/rest/api/3/myself').then(
    function (me) {
      myself = me;
      refresh();
    },
    function () {},
  );

  load();
});

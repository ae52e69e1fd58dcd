/*
 * One paired phone as a table row (name, paired on, last used, a Remove button): the same row on the
 * user's "Two-step verification" page (paired-phones.js) and in the admin's users page (admin-users.js).
 * Every value is set as text: a device name is the user's own words.
 */
(function () {
  'use strict';
  window.Twofold = window.Twofold || {};

  /**
   * options.formatTime(iso) → text; options.danger: the red Remove of an admin's page;
   * options.onRemove(button): called on a click on Remove.
   */
  window.Twofold.deviceRow = function (device, options) {
    var tr = document.createElement('tr');
    tr.setAttribute('data-device', device.id);
    [device.name, options.formatTime(device.pairedAt), device.lastUsedAt ? options.formatTime(device.lastUsedAt) : 'Never'].forEach(function (text) {
      var td = document.createElement('td');
      td.textContent = text;
      tr.appendChild(td);
    });
    var td = document.createElement('td');
    var remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'tf-button tf-button--subtle' + (options.danger ? ' tf-button--subtle-danger' : '');
    remove.textContent = 'Remove';
    remove.setAttribute('aria-label', 'Remove ' + device.name);
    remove.addEventListener('click', function () {
      options.onRemove(remove);
    });
    td.appendChild(remove);
    tr.appendChild(td);
    return tr;
  };
})();

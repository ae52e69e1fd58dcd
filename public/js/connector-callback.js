/* The page Jira sends the admin's browser back to: "Close this window" (it was opened by the connector page). */
(function () {
  'use strict';
  var button = document.querySelector('[data-action="close-window"]');
  if (!button) return;
  button.addEventListener('click', function () {
    window.close();
    // Browsers keep windows open that a script did not open (e.g. the link was opened by hand).
    window.setTimeout(function () {
      button.textContent = 'Close this tab to go back to Jira';
      button.disabled = true;
    }, 300);
  });
})();

/*
 * How Twofold's pages talk to the API: a fresh Connect context token from the host
 * (AP.context.getToken) on every call, sent as `Authorization: JWT <token>`. Errors arrive in the
 * contract shape {error: {code, message}} and are thrown as TwofoldApiError with that code.
 */
(function () {
  'use strict';

  function TwofoldApiError(status, code, message, details) {
    this.name = 'TwofoldApiError';
    this.status = status;
    this.code = code;
    this.message = message;
    this.details = details;
  }
  TwofoldApiError.prototype = Object.create(Error.prototype);

  function token() {
    if (!window.AP || !window.AP.context) return Promise.reject(new TwofoldApiError(0, 'no_host', 'Open this page from Jira.'));
    return window.AP.context.getToken();
  }

  function call(method, path, body) {
    return token().then(function (jwt) {
      var init = { method: method, headers: { Authorization: 'JWT ' + jwt, Accept: 'application/json' } };
      if (body !== undefined) {
        init.headers['Content-Type'] = 'application/json';
        init.body = JSON.stringify(body);
      }
      return fetch(path, init);
    }).then(function (response) {
      if (response.status === 204) return null;
      return response.json().catch(function () { return {}; }).then(function (payload) {
        if (response.ok) return payload;
        var error = payload && payload.error ? payload.error : { code: 'internal_error', message: 'Something went wrong.' };
        var failure = new TwofoldApiError(response.status, error.code, error.message, error.details);
        failure.retryAfter = Number(response.headers.get('Retry-After')) || undefined;
        throw failure;
      });
    });
  }

  window.Twofold = window.Twofold || {};
  window.Twofold.api = {
    get: function (path) { return call('GET', path); },
    post: function (path, body) { return call('POST', path, body === undefined ? {} : body); },
    put: function (path, body) { return call('PUT', path, body); },
    del: function (path) { return call('DELETE', path); },
    Error: TwofoldApiError,
  };
  /** Fills a page's banner (`.tf-banner` with [data-flash-title] and [data-flash-body]) and shows it. */
  window.Twofold.showBanner = function (element, kind, title, body) {
    element.className = 'tf-banner tf-banner--' + kind;
    element.querySelector('[data-flash-title]').textContent = title;
    element.querySelector('[data-flash-body]').textContent = body || '';
    element.hidden = false;
  };
  window.Twofold.flag = function (title, body, type) {
    if (window.AP && window.AP.flag) window.AP.flag.create({ title: title, body: body, type: type || 'info', close: 'auto' });
  };
})();

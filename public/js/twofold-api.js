/*
 * How Twofold's pages talk to the API: a fresh Connect context token from the host
 * (AP.context.getToken) on every call, sent as `Authorization: JWT <token>`. Errors arrive in the
 * contract shape {error: {code, message}} and are thrown as TwofoldApiError with that code.
 *
 * The 2FA session belongs to this browser: an answer that carries a `sessionToken` (a verification,
 * a confirmed set-up) is kept in this frame's localStorage, keyed by site and user (the context
 * token's iss and sub), and sent back on every call as `X-Twofold-Session`. The frame is on
 * Twofold's origin inside Jira's page, so browsers that partition third-party storage keep it per
 * Jira site. Without storage (blocked), it lives as long as the page.
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

  var SESSION_HEADER = 'X-Twofold-Session';
  var memory = {}; // when localStorage is blocked

  /** 'twofold.session.<site>.<user>' from the context token's claims (read only, never trusted here). */
  function sessionKey(jwt) {
    try {
      var part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      var claims = JSON.parse(atob(part + '==='.slice((part.length + 3) % 4)));
      return 'twofold.session.' + claims.iss + '.' + claims.sub;
    } catch (e) {
      return 'twofold.session';
    }
  }
  function loadSession(key) {
    try {
      return window.localStorage.getItem(key) || memory[key] || null;
    } catch (e) {
      return memory[key] || null;
    }
  }
  function saveSession(key, value) {
    memory[key] = value;
    try {
      window.localStorage.setItem(key, value);
    } catch (e) {
      /* kept in memory only */
    }
  }

  /** `body`: a value sent as JSON, or `{file: text, type: contentType}` sent as is (a CSV upload). */
  function call(method, path, body) {
    var key = null;
    return token()
      .then(function (jwt) {
        key = sessionKey(jwt);
        var init = { method: method, headers: { Authorization: 'JWT ' + jwt, Accept: 'application/json' } };
        var session = loadSession(key);
        if (session) init.headers[SESSION_HEADER] = session;
        if (body instanceof FileBody) {
          init.headers['Content-Type'] = body.type;
          init.body = body.text;
        } else if (body !== undefined) {
          init.headers['Content-Type'] = 'application/json';
          init.body = JSON.stringify(body);
        }
        return fetch(path, init);
      })
      .then(function (response) {
        if (response.status === 204) return null;
        return response
          .json()
          .catch(function () {
            return {};
          })
          .then(function (payload) {
            if (response.ok) {
              // This browser's new 2FA session: kept, sent from now on.
              if (payload && typeof payload.sessionToken === 'string') saveSession(key, payload.sessionToken);
              return payload;
            }
            var error = payload && payload.error ? payload.error : { code: 'internal_error', message: 'Something went wrong.' };
            var failure = new TwofoldApiError(response.status, error.code, error.message, error.details);
            failure.retryAfter = Number(response.headers.get('Retry-After')) || undefined;
            throw failure;
          });
      });
  }

  function FileBody(text, type) {
    this.text = text;
    this.type = type;
  }

  window.Twofold = window.Twofold || {};
  window.Twofold.api = {
    /** POSTs `text` as the body with `contentType` (a file upload), with the same token and session as any call. */
    postFile: function (path, contentType, text) {
      return call('POST', path, new FileBody(text, contentType));
    },
    get: function (path) {
      return call('GET', path);
    },
    post: function (path, body) {
      return call('POST', path, body === undefined ? {} : body);
    },
    put: function (path, body) {
      return call('PUT', path, body);
    },
    del: function (path, body) {
      return call('DELETE', path, body);
    },
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

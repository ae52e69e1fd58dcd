/*
 * A small AP for pages framed by the sandbox host: what Atlassian's all.js offers a Connect page,
 * limited to what Twofold uses. Calls travel to the host window by postMessage, as with the real one.
 *   AP.context.getToken(cb?)  AP.context.getContext(cb?)  AP.request(options)
 *   AP.navigator.go(target, context)  AP.navigator.reload()  AP.flag.create(options)
 *   AP.resize()  AP.sizeToParent()  AP.user.getCurrentUser(cb)
 */
(function () {
  'use strict';
  var params = new URLSearchParams(window.location.search);
  var hostOrigin = params.get('xdm_e') || '*';
  var pending = {};
  var sequence = 0;

  function call(method, args) {
    return new Promise(function (resolve, reject) {
      var id = ++sequence;
      pending[id] = { resolve: resolve, reject: reject };
      window.parent.postMessage({ type: 'twofold-ap-call', id: id, method: method, args: args || {} }, hostOrigin);
    });
  }

  window.addEventListener('message', function (event) {
    if (event.source !== window.parent || (hostOrigin !== '*' && event.origin !== hostOrigin)) return;
    var data = event.data || {};
    if (data.type !== 'twofold-ap-result' || !pending[data.id]) return;
    var handlers = pending[data.id];
    delete pending[data.id];
    if (data.error) handlers.reject(data.error);
    else handlers.resolve(data.result);
  });

  function withCallback(promise, callback) {
    if (typeof callback === 'function') promise.then(callback);
    return promise;
  }

  function request(options) {
    var opts = typeof options === 'string' ? { url: options } : options || {};
    var promise = call('request', { url: opts.url, type: (opts.type || 'GET').toUpperCase(), data: opts.data, contentType: opts.contentType });
    return promise.then(function (response) {
      var xhr = { status: response.status, responseText: response.body };
      if (response.status >= 200 && response.status < 300) {
        if (typeof opts.success === 'function') opts.success(response.body, 'success', xhr);
        return { body: response.body, xhr: xhr };
      }
      if (typeof opts.error === 'function') opts.error(xhr, 'error', response.body);
      var failure = new Error('HTTP ' + response.status);
      failure.xhr = xhr;
      throw failure;
    });
  }

  function resize() {
    var height = Math.ceil(document.documentElement.scrollHeight);
    call('resize', { height: height });
  }

  window.AP = {
    context: {
      getToken: function (callback) {
        return withCallback(call('context.getToken'), callback);
      },
      getContext: function (callback) {
        return withCallback(call('context.getContext'), callback);
      },
    },
    request: request,
    navigator: {
      go: function (target, context) {
        call('navigator.go', { target: target, context: context || {} });
      },
      reload: function () {
        call('navigator.reload');
      },
    },
    flag: {
      create: function (options) {
        var opened = call('flag.create', { title: options.title, body: options.body, type: options.type || 'info', close: options.close || 'auto' });
        return {
          close: function () {
            opened.then(function (flagId) {
              call('flag.close', { id: flagId });
            });
          },
        };
      },
    },
    user: {
      getCurrentUser: function (callback) {
        return withCallback(call('user.getCurrentUser'), callback);
      },
    },
    resize: resize,
    sizeToParent: resize,
  };

  if (typeof ResizeObserver === 'function') {
    window.addEventListener('DOMContentLoaded', function () {
      new ResizeObserver(resize).observe(document.body);
    });
  }
  window.addEventListener('load', resize);
})();

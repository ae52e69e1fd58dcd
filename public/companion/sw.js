/*
 * The companion's service worker: it makes the app installable, and shows a notification when Twofold
 * pushes a sign-in request (only where the server has VAPID keys). It caches nothing: requests are
 * answered live, and a stale page must never show a request that is gone.
 */
'use strict';
self.addEventListener('install', function () {
  self.skipWaiting();
});
self.addEventListener('activate', function (event) {
  event.waitUntil(self.clients.claim());
});
self.addEventListener('fetch', function () {
  // Network only, by the browser's default handling.
});
self.addEventListener('push', function (event) {
  var data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (e) {
    data = {};
  }
  event.waitUntil(
    self.registration.showNotification('Sign-in request', {
      body: data.site ? 'Someone is signing in to ' + data.site + '. Open to approve or deny.' : 'Open to approve or deny.',
      tag: data.challengeId || 'twofold-request',
      icon: '/public/companion/icon-192.png',
      requireInteraction: true,
    }),
  );
});
self.addEventListener('notificationclick', function (event) {
  event.notification.close();
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(function (windows) {
      for (var i = 0; i < windows.length; i += 1) {
        if (new URL(windows[i].url).pathname === '/companion' && 'focus' in windows[i]) return windows[i].focus();
      }
      return self.clients.openWindow('/companion');
    }),
  );
});

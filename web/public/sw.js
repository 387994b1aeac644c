/* global self, clients */
// The web app's service worker: shows a Web Push message as a notification while no tab is open,
// and a click on it opens (or focuses) the app. Messages carry no health data (PRODUCT §8).

self.addEventListener('push', (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch {
    message = { title: 'Televisit', body: event.data ? event.data.text() : '' };
  }
  const appointmentId = message.data && message.data.appointmentId;
  event.waitUntil(
    self.registration.showNotification(message.title || 'Televisit', {
      body: message.body || '',
      // One notification per visit: a newer message about it replaces the older one.
      tag: appointmentId || message.id,
      data: { url: message.url || self.registration.scope },
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const target = new URL(event.notification.data.url, self.registration.scope);
  event.waitUntil(
    clients.matchAll({ type: 'window', includeUncontrolled: true }).then((open) => {
      const tab = open.find((client) => new URL(client.url).pathname.startsWith('/app/'));
      return tab ? tab.focus() : clients.openWindow(target.href);
    }),
  );
});

// The page's side of the service worker (serviceWorker.ts): registers it in a built page, and
// when a newer version has installed, offers to reload into it.

import { t } from '../i18n';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

export function registerServiceWorker() {
  if (!('serviceWorker' in navigator) || !import.meta.env.PROD) return;
  const workers = navigator.serviceWorker;
  // Only the user's "reload" swaps versions under a running page (the first visit's service
  // worker taking control changes nothing the page has).
  let asked = false;
  workers.addEventListener('controllerchange', () => {
    if (asked) location.reload();
  });
  void workers.register('./sw.js').then((registration) => {
    const offer = () => {
      const waiting = registration.waiting;
      if (!waiting || !workers.controller) return;
      const bar = $('update');
      bar.hidden = false;
      $('update-text').textContent = t('app.update');
      $('update-reload').onclick = () => {
        asked = true;
        waiting.postMessage('activate');
      };
    };
    offer();
    registration.addEventListener('updatefound', () => registration.installing?.addEventListener('statechange', offer));
  }, () => null);
}

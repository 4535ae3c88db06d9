// Small behaviours that htmx attributes cannot express under a strict CSP.
document.addEventListener('DOMContentLoaded', function () {
  document.documentElement.classList.add('js');
});

// The main menu is a disclosure on narrow screens; on wide ones CSS shows it open, and browsers
// that cannot style a closed <details> open it here.
document.addEventListener('DOMContentLoaded', function () {
  var menu = document.querySelector('.menu-toggle');
  if (menu && window.matchMedia('(min-width: 48em)').matches && !CSS.supports('selector(::details-content)')) {
    menu.open = true;
  }
});

// htmx is loaded by this script, not by the page (issue 19: on a slow link it must not compete
// with the page and its CSS for the first paint). A page that needs it at once gets it as soon
// as this deferred script runs; the sign-in page (data-htmx-when="load") after its load event,
// working as plain forms until then. A change or input htmx would have answered before it
// arrived is replayed once it is there, so nothing typed or chosen is lost.
(function () {
  var self = document.currentScript;
  var source = self && self.getAttribute('data-htmx');
  if (!source) return;
  var missed = null;
  function remember(event) {
    if (!window.htmx && event.target.closest && event.target.closest('[hx-get],[hx-post],[hx-trigger]')) {
      missed = event;
    }
  }
  document.addEventListener('change', remember, true);
  document.addEventListener('input', remember, true);
  function load() {
    var script = document.createElement('script');
    script.src = source;
    script.integrity = self.getAttribute('data-htmx-integrity');
    script.onload = function () {
      document.removeEventListener('change', remember, true);
      document.removeEventListener('input', remember, true);
      if (missed && document.contains(missed.target)) {
        var target = missed.target, type = missed.type;
        missed = null;
        setTimeout(function () { target.dispatchEvent(new Event(type, {bubbles: true})); }, 0);
      }
    };
    document.head.appendChild(script);
  }
  if (self.getAttribute('data-htmx-when') !== 'load') load();
  else if (document.readyState === 'complete') setTimeout(load, 0);
  else window.addEventListener('load', function () { setTimeout(load, 0); });
})();

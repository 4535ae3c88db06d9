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

// Small behaviours that htmx attributes cannot express under a strict CSP.
document.addEventListener('DOMContentLoaded', function () {
  document.documentElement.classList.add('js');
});

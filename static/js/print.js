// Print views: the «Напечатать» button (no inline handlers under the CSP).
document.addEventListener('click', function (event) {
  if (event.target.closest('[data-print]')) {
    window.print();
  }
});

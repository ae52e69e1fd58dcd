/*
 * The access pass's symbols as inline SVG (24×24), shared by the verify page and the companion app.
 * Each is a distinct shape, so that nobody has to tell colours apart; the pages print its name under it.
 * The ids and names are the server's (src/domain/approvals/symbols.ts).
 */
(function () {
  'use strict';
  var S = 'fill="currentColor"';
  var L = 'fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"';
  var SHAPES = {
    circle: '<circle cx="12" cy="12" r="9" ' + S + '/>',
    square: '<rect x="4" y="4" width="16" height="16" rx="1" ' + S + '/>',
    triangle: '<path d="M12 3 21 20H3Z" ' + S + '/>',
    diamond: '<path d="M12 2 22 12 12 22 2 12Z" ' + S + '/>',
    star: '<path d="m12 2 2.9 6.6 7.1.6-5.4 4.7 1.6 7L12 17.2l-6.2 3.7 1.6-7L2 9.2l7.1-.6Z" ' + S + '/>',
    heart: '<path d="M12 21s-8.5-5.4-8.5-11.2A4.6 4.6 0 0 1 12 7.2a4.6 4.6 0 0 1 8.5 2.6C20.5 15.6 12 21 12 21Z" ' + S + '/>',
    moon: '<path d="M20 14.5A8.5 8.5 0 1 1 9.5 4 7 7 0 0 0 20 14.5Z" ' + S + '/>',
    sun:
      '<circle cx="12" cy="12" r="4.5" ' +
      S +
      '/><path d="M12 1.5v3M12 19.5v3M1.5 12h3M19.5 12h3M4.6 4.6l2.1 2.1M17.3 17.3l2.1 2.1M4.6 19.4l2.1-2.1M17.3 6.7l2.1-2.1" ' +
      L +
      '/>',
    cloud: '<path d="M7 19a5 5 0 0 1-.6-10A6.5 6.5 0 0 1 18.5 9 5 5 0 0 1 18 19Z" ' + S + '/>',
    drop: '<path d="M12 2s7 8 7 13a7 7 0 0 1-14 0c0-5 7-13 7-13Z" ' + S + '/>',
    bolt: '<path d="M14 2 4 14h7l-2 8 11-13h-7l1-7Z" ' + S + '/>',
    leaf: '<path d="M4 20C4 10 10 4 21 3c0 11-6 17-15 17Z" ' + S + '/><path d="M4 20 13 11" fill="none" stroke="#fff" stroke-width="1.5"/>',
    key: '<circle cx="7.5" cy="12" r="4.5" ' + L + '/><path d="M12 12h10M18 12v4M21 12v3" ' + L + '/>',
    bell: '<path d="M6 17v-6a6 6 0 0 1 12 0v6l2 2H4Z" ' + S + '/><path d="M10 21h4" ' + L + '/>',
    house: '<path d="M3 11 12 3l9 8v10h-6v-6H9v6H3Z" ' + S + '/>',
    anchor: '<circle cx="12" cy="4.5" r="2" ' + L + '/><path d="M12 6.5V21M8 10h8M4 13a8 8 0 0 0 16 0" ' + L + '/>',
    flag: '<path d="M5 22V3" ' + L + '/><path d="M6 3h13l-3 4.5L19 12H6Z" ' + S + '/>',
    note: '<path d="M9 18V5l11-2v13" ' + L + '/><circle cx="6" cy="18" r="3" ' + S + '/><circle cx="17" cy="16" r="3" ' + S + '/>',
    plus: '<path d="M9 3h6v6h6v6h-6v6H9v-6H3V9h6Z" ' + S + '/>',
    hexagon: '<path d="M12 2 21 7v10l-9 5-9-5V7Z" ' + S + '/>',
  };
  window.Twofold = window.Twofold || {};
  /** An <svg> for the symbol (aria-hidden: its name is printed beside it), or null for an unknown id. */
  window.Twofold.symbolSvg = function (id) {
    var shape = Object.prototype.hasOwnProperty.call(SHAPES, id) ? SHAPES[id] : null;
    if (shape === null) return null;
    return '<svg viewBox="0 0 24 24" width="64" height="64" aria-hidden="true" focusable="false">' + shape + '</svg>';
  };
})();

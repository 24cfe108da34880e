/* global module */
// Session durations in the two formats the SCORM data models accept. Plain ES2017, no
// dependencies: the package build wraps this file together with launcher.js into the
// zip's launcher.js, and Node tests load it through the same wrapper
// (see packaging/README.md). Both formats round to hundredths of a second, half up.
var scormTime = (function () {
  'use strict'

  var maxCmiTimespanHundredths = ((9999 * 60 + 59) * 60 + 59) * 100 + 99

  /** Whole hundredths of a second in a duration of `ms` milliseconds (negative, NaN → 0). */
  function hundredths (ms) {
    var n = Number(ms)
    if (!(n > 0)) return 0
    if (!isFinite(n)) return Number.MAX_SAFE_INTEGER
    return Math.round(n / 10)
  }

  function pad2 (n) {
    return n < 10 ? '0' + n : String(n)
  }

  /**
   * SCORM 1.2 CMITimespan, "HHHH:MM:SS.SS": hours zero-padded to at least 2 and at most 4
   * digits, always two decimals. Durations over 9999:59:59.99 are written as that maximum.
   */
  function cmiTimespan (ms) {
    var cs = Math.min(hundredths(ms), maxCmiTimespanHundredths)
    var hours = Math.floor(cs / 360000)
    var minutes = Math.floor(cs / 6000) % 60
    var seconds = Math.floor(cs / 100) % 60
    return pad2(hours) + ':' + pad2(minutes) + ':' + pad2(seconds) + '.' + pad2(cs % 100)
  }

  /**
   * SCORM 2004 timeinterval (second,10,2): an ISO 8601 duration such as "PT1H2M3.45S";
   * zero parts are left out, zero itself is "PT0S", seconds carry at most two decimals.
   * Hours are not folded into days, so any length is written exactly.
   */
  function isoDuration (ms) {
    var cs = hundredths(ms)
    var hours = Math.floor(cs / 360000)
    var minutes = Math.floor(cs / 6000) % 60
    var secondsCs = cs % 6000
    var out = 'PT'
    if (hours > 0) out += hours + 'H'
    if (minutes > 0) out += minutes + 'M'
    if (secondsCs > 0 || out === 'PT') {
      var whole = Math.floor(secondsCs / 100)
      var fraction = secondsCs % 100
      out += whole + (fraction === 0 ? '' : '.' + pad2(fraction).replace(/0$/, '')) + 'S'
    }
    return out
  }

  return { cmiTimespan: cmiTimespan, isoDuration: isoDuration }
}())

if (typeof module === 'object' && module !== null && module.exports) module.exports = scormTime

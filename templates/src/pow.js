// Solves the ALTCHA challenge of the page's sign form (SHA-256 of salt + number) and puts
// the solution in the form, so the signer need not wait. Self-hosted, no requests made.
(function () {
  "use strict";
  var form = document.getElementById("pow-form");
  var field = document.getElementById("pow-solution");
  var status = document.getElementById("pow-status");
  if (!form || !field || !window.crypto || !window.crypto.subtle || !window.TextEncoder) {
    return;
  }
  var c;
  try {
    c = JSON.parse(form.getAttribute("data-challenge"));
  } catch (e) {
    return;
  }
  var encoder = new TextEncoder();
  function hex(buffer) {
    return Array.prototype.map
      .call(new Uint8Array(buffer), function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  }
  status.textContent = form.getAttribute("data-msg-working");
  var n = 0;
  function step() {
    var batch = [];
    for (var i = 0; i < 500 && n + i <= c.maxnumber; i++) {
      batch.push(n + i);
    }
    if (batch.length === 0) {
      status.textContent = form.getAttribute("data-msg-wait");
      return;
    }
    n += batch.length;
    Promise.all(
      batch.map(function (k) {
        return crypto.subtle.digest("SHA-256", encoder.encode(c.salt + k)).then(function (h) {
          return hex(h) === c.challenge ? k : -1;
        });
      })
    ).then(function (found) {
      var hit = found.filter(function (k) { return k >= 0; });
      if (hit.length > 0) {
        field.value = btoa(JSON.stringify({
          algorithm: c.algorithm,
          challenge: c.challenge,
          number: hit[0],
          salt: c.salt,
          signature: c.signature
        }));
        status.textContent = form.getAttribute("data-msg-done");
      } else {
        step();
      }
    });
  }
  step();
})();

/* mkdocs-heatmap: read a heatmap's cells by pointer, touch or keyboard.
 *
 * A figure with `hover: true` is a focusable .heatmap-hover area whose
 * data-heatmap attribute holds, per panel, where its cells are in the image
 * (fractions), its labels and its cell texts: a string, null (missing) or ""
 * (hidden by `mask`: no readout, no outline, the keyboard skips it).  A
 * panel read in blocks (`k`: rows and columns of cells per block) holds one
 * [mean, min, max, cells, missing] per block instead.  Listeners sit on the
 * document, so figures that arrive later (Material's instant navigation)
 * need nothing; the data is read when a figure is first used.  No
 * dependencies.
 */
(function () {
  "use strict";
  if (window.mkdocsHeatmap) return;
  window.mkdocsHeatmap = true;

  var AREA = ".heatmap-hover";
  var state = new WeakMap();
  var active = null; // the area showing a readout

  function stateOf(area) {
    var s = state.get(area);
    if (!s) {
      var data;
      try {
        data = JSON.parse(area.getAttribute("data-heatmap"));
      } catch (e) {
        data = { p: [] };
      }
      s = { panels: data.p || [], cursor: null, tip: null, box: null };
      state.set(area, s);
    }
    return s;
  }

  function areaOf(node) {
    return node && node.closest ? node.closest(AREA) : null;
  }

  // The image shown now: with a light and a dark variant only one has a size.
  function imageRect(area) {
    var images = area.getElementsByTagName("img");
    for (var k = 0; k < images.length; k++) {
      var r = images[k].getBoundingClientRect();
      if (r.width > 0 && r.height > 0) return r;
    }
    return null;
  }

  // A panel's readouts: blocks of k[0] x k[1] cells (1 x 1 unless read in blocks).
  function grid(panel) {
    var k = panel.k || [1, 1];
    return { k: k, rows: Math.ceil(panel.y.length / k[0]), cols: Math.ceil(panel.x.length / k[1]) };
  }

  function cellAt(area, x, y) {
    var r = imageRect(area);
    if (!r) return null;
    var fx = (x - r.left) / r.width;
    var fy = (y - r.top) / r.height;
    var panels = stateOf(area).panels;
    for (var p = 0; p < panels.length; p++) {
      var b = panels[p].b;
      if (fx >= b[0] && fx < b[2] && fy >= b[1] && fy < b[3]) {
        var rows = panels[p].y.length;
        var cols = panels[p].x.length;
        var k = grid(panels[p]).k;
        return {
          p: p,
          i: Math.floor(Math.min(rows - 1, Math.floor(((fy - b[1]) / (b[3] - b[1])) * rows)) / k[0]),
          j: Math.floor(Math.min(cols - 1, Math.floor(((fx - b[0]) / (b[2] - b[0])) * cols)) / k[1]),
        };
      }
    }
    return null;
  }

  function valueOf(s, c) {
    var panel = s.panels[c.p];
    return panel.v[c.i * grid(panel).cols + c.j];
  }

  // Drawn: not hidden by `mask` (nor outside the panel).
  function drawn(s, c) {
    var v = valueOf(s, c);
    return v !== "" && v !== undefined;
  }

  function named(title, label) {
    return title ? title + " " + label : label;
  }

  function span(labels, from, to) {
    return to - from > 1 ? labels[from] + "\u2013" + labels[to - 1] : labels[from];
  }

  // The cells a readout covers: rows i0..i1-1, columns j0..j1-1.
  function extent(panel, c) {
    var k = grid(panel).k;
    var i0 = c.i * k[0];
    var j0 = c.j * k[1];
    return [i0, Math.min(panel.y.length, i0 + k[0]), j0, Math.min(panel.x.length, j0 + k[1])];
  }

  function parts(area, c) {
    var s = stateOf(area);
    var panel = s.panels[c.p];
    var e = extent(panel, c);
    var v = valueOf(s, c);
    var value = v;
    var detail = "";
    if (v === null) value = "missing";
    else if (typeof v !== "string") {
      // A block: mean, min and max of the cells it shows with a value.
      var missing = v[4] ? v[4] + " missing" : "";
      value = v[3] > 1 ? "mean " + v[0] : v[0];
      detail = v[3] > 1 ? "min " + v[1] + ", max " + v[2] + " \u00b7 " + v[3] + " cells" : "1 cell";
      if (missing) detail += ", " + missing;
      else if (v[3] === 1) detail = "";
    }
    return {
      title: panel.t || "",
      where: named(panel.yt, span(panel.y, e[0], e[1])) + " \u00b7 " + named(panel.xt, span(panel.x, e[2], e[3])),
      value: value,
      detail: detail,
    };
  }

  function element(area, s, name, css) {
    if (!s[name]) {
      var el = document.createElement("div");
      el.className = "heatmap-" + name;
      el.setAttribute("aria-hidden", "true");
      el.style.cssText = css;
      area.appendChild(el);
      s[name] = el;
    }
    return s[name];
  }

  var TIP_CSS =
    "position:absolute;z-index:20;pointer-events:none;padding:.3em .55em;" +
    "border-radius:4px;background:rgba(20,20,20,.92);color:#fff;" +
    "border:1px solid rgba(255,255,255,.35);font:12px/1.35 system-ui,sans-serif;" +
    "white-space:nowrap;text-align:left;transform:translate(-50%,-100%)";
  var BOX_CSS =
    "position:absolute;z-index:19;pointer-events:none;box-sizing:border-box;" +
    "border:2px solid #fff;box-shadow:0 0 0 1px #000,inset 0 0 0 1px #000";

  function show(area, c, announce) {
    if (active && active !== area) hide(active);
    var s = stateOf(area);
    var r = imageRect(area);
    if (!r || !drawn(s, c)) {
      hide(area);
      return;
    }
    active = area;
    var panel = s.panels[c.p];
    var b = panel.b;
    var e = extent(panel, c);
    var outer = area.getBoundingClientRect();
    var w = ((b[2] - b[0]) * r.width) / panel.x.length;
    var h = ((b[3] - b[1]) * r.height) / panel.y.length;
    var left = r.left - outer.left + b[0] * r.width + e[2] * w;
    var top = r.top - outer.top + b[1] * r.height + e[0] * h;
    w *= e[3] - e[2];
    h *= e[1] - e[0];

    var box = element(area, s, "box", BOX_CSS);
    box.style.left = left + "px";
    box.style.top = top + "px";
    box.style.width = Math.max(w, 4) + "px";
    box.style.height = Math.max(h, 4) + "px";
    box.style.display = "block";

    var text = parts(area, c);
    var tip = element(area, s, "tip", TIP_CSS);
    tip.textContent = "";
    var lines = [text.title, text.where, text.value, text.detail];
    for (var n = 0; n < lines.length; n++) {
      if (!lines[n]) continue;
      var line = document.createElement(n === 2 ? "strong" : "div");
      line.textContent = lines[n];
      if (n === 2) line.style.display = "block";
      tip.appendChild(line);
    }
    tip.style.display = "block";
    var half = tip.offsetWidth / 2;
    var x = Math.min(Math.max(left + w / 2, half), Math.max(half, outer.width - half));
    var above = outer.top + top - 6 - tip.offsetHeight >= 0; // room above, in the window
    tip.style.left = x + "px";
    tip.style.top = (above ? top - 6 : top + h + 6) + "px";
    tip.style.transform = above ? "translate(-50%,-100%)" : "translate(-50%,0)";

    if (announce) {
      var live = area.querySelector(".heatmap-readout");
      if (live) {
        live.textContent =
          (text.title ? text.title + ", " : "") + text.where + ": " + text.value +
          (text.detail ? ", " + text.detail : "");
      }
    }
  }

  function hide(area) {
    var s = stateOf(area);
    if (s.tip) s.tip.style.display = "none";
    if (s.box) s.box.style.display = "none";
    if (active === area) active = null;
  }

  function point(event) {
    var area = areaOf(event.target);
    if (!area) {
      if (active) hide(active);
      return;
    }
    var c = cellAt(area, event.clientX, event.clientY);
    if (c && drawn(stateOf(area), c)) {
      stateOf(area).cursor = c;
      show(area, c, false);
    } else {
      hide(area);
    }
  }

  document.addEventListener("pointermove", function (event) {
    if (event.pointerType === "mouse" || event.pointerType === "pen") point(event);
  }, { passive: true });
  // Touch: a tap shows the cell; a tap elsewhere hides it.
  document.addEventListener("pointerdown", point, { passive: true });
  document.addEventListener("pointerout", function (event) {
    if (active && !areaOf(event.relatedTarget) && event.pointerType === "mouse") hide(active);
  });

  // One step of the cursor for `key`; the same cell at an edge, null for
  // a key that does not move it.
  function step(s, c, key) {
    var g = grid(s.panels[c.p]);
    var i = c.i;
    var j = c.j;
    var p = c.p;
    if (key === "ArrowUp") i = Math.max(0, i - 1);
    else if (key === "ArrowDown") i = Math.min(g.rows - 1, i + 1);
    else if (key === "ArrowLeft") {
      if (j > 0) j -= 1;
      else if (p > 0) {
        p -= 1;
        j = grid(s.panels[p]).cols - 1;
      }
    } else if (key === "ArrowRight") {
      if (j < g.cols - 1) j += 1;
      else if (p < s.panels.length - 1) {
        p += 1;
        j = 0;
      }
    } else if (key === "Home") j = 0;
    else if (key === "End") j = g.cols - 1;
    else if (key === "PageUp") i = 0;
    else if (key === "PageDown") i = g.rows - 1;
    else return null;
    return { p: p, i: Math.min(i, grid(s.panels[p]).rows - 1), j: j };
  }

  // Past hidden cells: on in the key's direction (Home, End, Page Up and
  // Page Down back toward the cursor) to the first cell drawn, if any.
  var ONWARD = { Home: "ArrowRight", End: "ArrowLeft", PageUp: "ArrowDown", PageDown: "ArrowUp" };

  function seek(s, c, key) {
    var next = step(s, c, key);
    while (next && !drawn(s, next)) {
      var after = step(s, next, ONWARD[key] || key);
      if (after.p === next.p && after.i === next.i && after.j === next.j) return null;
      next = after;
    }
    return next;
  }

  // The first cell drawn, row by row.
  function first(s) {
    for (var p = 0; p < s.panels.length; p++) {
      var g = grid(s.panels[p]);
      for (var n = 0; n < g.rows * g.cols; n++) {
        var c = { p: p, i: Math.floor(n / g.cols), j: n % g.cols };
        if (drawn(s, c)) return c;
      }
    }
    return null;
  }

  function move(area, key) {
    var s = stateOf(area);
    var c = s.cursor || first(s);
    if (!c || !step(s, c, key)) return false;
    s.cursor = seek(s, c, key) || c;
    show(area, s.cursor, true);
    return true;
  }

  document.addEventListener("keydown", function (event) {
    var area = areaOf(event.target);
    if (!area || event.target !== area || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "Escape") {
      hide(area);
      return;
    }
    if (move(area, event.key)) event.preventDefault();
  });
  document.addEventListener("focusin", function (event) {
    var area = areaOf(event.target);
    if (area && event.target === area) {
      var s = stateOf(area);
      var c = s.panels.length && (s.cursor || first(s));
      if (c) show(area, c, true);
    }
  });
  document.addEventListener("focusout", function (event) {
    var area = areaOf(event.target);
    if (area && event.target === area) hide(area);
  });
})();
